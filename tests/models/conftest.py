"""Import the native-extension packages once, before any pytester run.

pytester's in-process runs drop modules first imported inside them; onnx's extension
aborts the interpreter when it is initialised a second time (seen: SIGABRT in
onnx_cpp2py_export), and torch's does not support it either.
"""

import contextlib

with contextlib.suppress(ImportError):
    import onnx  # noqa: F401
with contextlib.suppress(ImportError):
    import torch  # noqa: F401
