"""One pytest plugin module per capability, registered by :mod:`pytest_autoglm.plugin`.

Each module declares ``OPTIONS`` (:class:`~pytest_autoglm._options.Option`) and
``MARKERS`` (:class:`~pytest_autoglm._markers.MarkerSpec`), and holds that capability's
hooks and fixtures. The work itself lives in the capability's own modules; these stay
thin and import nothing heavy at module level.
"""
