"""pytest-autoglm: test Open-AutoGLM integrations offline, in CI, and on real GPUs.

The public API is listed in ``__all__`` (a tested contract). Names are imported lazily
on first access, so that loading the pytest plugin stays cheap: ``import
pytest_autoglm`` imports none of respx, httpx, hypothesis, torch, pynvml or docker.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest

# Assertion helpers get pytest's rewritten, readable failure messages.
pytest.register_assert_rewrite("pytest_autoglm.server._calls", "pytest_autoglm.leaks")

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "parse_size": "pytest_autoglm._sizes",
    "format_size": "pytest_autoglm._sizes",
    "SizeError": "pytest_autoglm._sizes",
    "GpuInfo": "pytest_autoglm.gpu",
    "GpuInventory": "pytest_autoglm.gpu",
    "GpuRequirement": "pytest_autoglm.gpu",
    "GpuSpecError": "pytest_autoglm.gpu",
    "GpuSharingWarning": "pytest_autoglm._xdist",
    "DependencyConflict": "pytest_autoglm.deps",
    "DependencyError": "pytest_autoglm.deps",
    "DependencyReport": "pytest_autoglm.deps",
    "UnmetRequirement": "pytest_autoglm.deps",
    "check_dependencies": "pytest_autoglm.deps",
    "unmet_requirements": "pytest_autoglm.deps",
    "ACTION_NAMES": "pytest_autoglm.protocol",
    "ACTION_TYPES": "pytest_autoglm.protocol",
    "Action": "pytest_autoglm.protocol",
    "ActionParseError": "pytest_autoglm.protocol",
    "Back": "pytest_autoglm.protocol",
    "CallAPI": "pytest_autoglm.protocol",
    "DoubleTap": "pytest_autoglm.protocol",
    "Finish": "pytest_autoglm.protocol",
    "Home": "pytest_autoglm.protocol",
    "Interact": "pytest_autoglm.protocol",
    "Launch": "pytest_autoglm.protocol",
    "LongPress": "pytest_autoglm.protocol",
    "Note": "pytest_autoglm.protocol",
    "Point": "pytest_autoglm.protocol",
    "ProtocolError": "pytest_autoglm.protocol",
    "Reply": "pytest_autoglm.protocol",
    "ReplyStyle": "pytest_autoglm.protocol",
    "Swipe": "pytest_autoglm.protocol",
    "TakeOver": "pytest_autoglm.protocol",
    "Tap": "pytest_autoglm.protocol",
    "Type": "pytest_autoglm.protocol",
    "TypeName": "pytest_autoglm.protocol",
    "Wait": "pytest_autoglm.protocol",
    "agent_action_dict": "pytest_autoglm.protocol",
    "format_action": "pytest_autoglm.protocol",
    "parse_action": "pytest_autoglm.protocol",
    "phone_agent_parse_action": "pytest_autoglm.protocol",
    "render_reply": "pytest_autoglm.protocol",
    "split_reply": "pytest_autoglm.protocol",
    "tap_pixels": "pytest_autoglm.protocol",
    "CheckpointFormatError": "pytest_autoglm.models",
    "CheckpointInfo": "pytest_autoglm.models",
    "ChecksumMismatch": "pytest_autoglm.models",
    "CorruptCheckpointError": "pytest_autoglm.models",
    "MissingExtraError": "pytest_autoglm.models",
    "ModelError": "pytest_autoglm.models",
    "ModelPathError": "pytest_autoglm.models",
    "ModelUsageError": "pytest_autoglm.models",
    "UnsafePickleError": "pytest_autoglm.models",
    "UnsupportedFormatError": "pytest_autoglm.models",
    "inspect_checkpoint": "pytest_autoglm.models",
    "load_checkpoint": "pytest_autoglm.models",
    "write_checkpoint": "pytest_autoglm.models",
    "ApiKey": "pytest_autoglm.secrets",
    "EnvFileError": "pytest_autoglm.secrets",
    "SecretRegistry": "pytest_autoglm.secrets",
    "ShortSecretWarning": "pytest_autoglm.secrets",
    "secret_registry": "pytest_autoglm.secrets",
}

__all__ = [
    "ACTION_NAMES",
    "ACTION_TYPES",
    "Action",
    "ActionParseError",
    "ApiKey",
    "Back",
    "CallAPI",
    "CheckpointFormatError",
    "CheckpointInfo",
    "ChecksumMismatch",
    "CorruptCheckpointError",
    "DependencyConflict",
    "DependencyError",
    "DependencyReport",
    "DoubleTap",
    "EnvFileError",
    "Finish",
    "GpuInfo",
    "GpuInventory",
    "GpuRequirement",
    "GpuSharingWarning",
    "GpuSpecError",
    "Home",
    "Interact",
    "Launch",
    "LongPress",
    "MissingExtraError",
    "ModelError",
    "ModelPathError",
    "ModelUsageError",
    "Note",
    "Point",
    "ProtocolError",
    "Reply",
    "ReplyStyle",
    "SecretRegistry",
    "ShortSecretWarning",
    "SizeError",
    "Swipe",
    "TakeOver",
    "Tap",
    "Type",
    "TypeName",
    "UnmetRequirement",
    "UnsafePickleError",
    "UnsupportedFormatError",
    "Wait",
    "__version__",
    "agent_action_dict",
    "check_dependencies",
    "format_action",
    "format_size",
    "inspect_checkpoint",
    "load_checkpoint",
    "parse_action",
    "parse_size",
    "phone_agent_parse_action",
    "render_reply",
    "secret_registry",
    "split_reply",
    "tap_pixels",
    "unmet_requirements",
    "write_checkpoint",
]

if TYPE_CHECKING:
    from pytest_autoglm._sizes import SizeError, format_size, parse_size
    from pytest_autoglm._xdist import GpuSharingWarning
    from pytest_autoglm.deps import (
        DependencyConflict,
        DependencyError,
        DependencyReport,
        UnmetRequirement,
        check_dependencies,
        unmet_requirements,
    )
    from pytest_autoglm.gpu import GpuInfo, GpuInventory, GpuRequirement, GpuSpecError
    from pytest_autoglm.models import (
        CheckpointFormatError,
        CheckpointInfo,
        ChecksumMismatch,
        CorruptCheckpointError,
        MissingExtraError,
        ModelError,
        ModelPathError,
        ModelUsageError,
        UnsafePickleError,
        UnsupportedFormatError,
        inspect_checkpoint,
        load_checkpoint,
        write_checkpoint,
    )
    from pytest_autoglm.protocol import (
        ACTION_NAMES,
        ACTION_TYPES,
        Action,
        ActionParseError,
        Back,
        CallAPI,
        DoubleTap,
        Finish,
        Home,
        Interact,
        Launch,
        LongPress,
        Note,
        Point,
        ProtocolError,
        Reply,
        ReplyStyle,
        Swipe,
        TakeOver,
        Tap,
        Type,
        TypeName,
        Wait,
        agent_action_dict,
        format_action,
        parse_action,
        phone_agent_parse_action,
        render_reply,
        split_reply,
        tap_pixels,
    )
    from pytest_autoglm.secrets import (
        ApiKey,
        EnvFileError,
        SecretRegistry,
        ShortSecretWarning,
        secret_registry,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_autoglm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
