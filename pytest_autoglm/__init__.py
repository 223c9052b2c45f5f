"""pytest-autoglm: test Open-AutoGLM integrations offline, in CI, and on real GPUs.

The public API is listed in ``__all__`` (a tested contract). Names are imported lazily
on first access, so that loading the pytest plugin stays cheap: ``import
pytest_autoglm`` imports none of respx, httpx, hypothesis, torch, pynvml or docker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_autoglm._plain_imports import ASSERTION_HELPERS, plain_imports

with plain_imports():  # pytest loads this package through its rewrite hook; not the rest
    from pytest_autoglm._lazy import lazy_exports

# Assertion helpers get pytest's rewritten, readable failure messages.
pytest.register_assert_rewrite(*ASSERTION_HELPERS)

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "parse_size": "pytest_autoglm._sizes",
    "format_size": "pytest_autoglm._sizes",
    "SizeError": "pytest_autoglm._sizes",
    "LeakCheck": "pytest_autoglm.leaks",
    "LeakError": "pytest_autoglm.leaks",
    "LeakResult": "pytest_autoglm.leaks",
    "LeakWarning": "pytest_autoglm.leaks",
    "MemoryLimit": "pytest_autoglm.leaks",
    "MemoryLimitError": "pytest_autoglm.leaks",
    "assert_no_leak": "pytest_autoglm.leaks",
    "assert_no_leak_async": "pytest_autoglm.leaks",
    "memory_limit": "pytest_autoglm.leaks",
    "no_leak": "pytest_autoglm.leaks",
    "GpuInfo": "pytest_autoglm.gpu",
    "GpuInventory": "pytest_autoglm.gpu",
    "GpuRequirement": "pytest_autoglm.gpu",
    "GpuSpecError": "pytest_autoglm.gpu",
    "GpuSharingWarning": "pytest_autoglm.gpu._xdist",
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
    "write_tiny_model": "pytest_autoglm.models",
    "ContainerError": "pytest_autoglm.containers",
    "HardeningError": "pytest_autoglm.containers",
    "assert_container_hardened": "pytest_autoglm.containers",
    "ApiKey": "pytest_autoglm.secrets",
    "EnvFileError": "pytest_autoglm.secrets",
    "SecretRegistry": "pytest_autoglm.secrets",
    "ShortSecretWarning": "pytest_autoglm.secrets",
    "secret_registry": "pytest_autoglm.secrets",
    "CassetteError": "pytest_autoglm.cassettes",
    "CassetteSession": "pytest_autoglm.cassettes",
    "ApiError": "pytest_autoglm.server",
    "BlockedRequestError": "pytest_autoglm.server",
    "Call": "pytest_autoglm.server",
    "Calls": "pytest_autoglm.server",
    "FakeServer": "pytest_autoglm.server",
    "ScriptError": "pytest_autoglm.server",
    "ServerConfig": "pytest_autoglm.server",
    "ServerConfigError": "pytest_autoglm.server",
    "ServerError": "pytest_autoglm.server",
    "TokenEstimate": "pytest_autoglm.server",
    "UnexpectedRequestsError": "pytest_autoglm.server",
    "validate_chat_request": "pytest_autoglm.server",
    "VirtualClock": "pytest_autoglm.server",
    "STOP_REASONS": "pytest_autoglm.phone",
    "AgentRunner": "pytest_autoglm.phone",
    "Command": "pytest_autoglm.phone",
    "Device": "pytest_autoglm.phone",
    "FakePhone": "pytest_autoglm.phone",
    "Faults": "pytest_autoglm.phone",
    "InputRequested": "pytest_autoglm.phone",
    "KeyRecord": "pytest_autoglm.phone",
    "LaunchRecord": "pytest_autoglm.phone",
    "PhoneError": "pytest_autoglm.phone",
    "Region": "pytest_autoglm.phone",
    "ScenarioError": "pytest_autoglm.phone",
    "Screen": "pytest_autoglm.phone",
    "Step": "pytest_autoglm.phone",
    "SwipeRecord": "pytest_autoglm.phone",
    "TapRecord": "pytest_autoglm.phone",
    "Transcript": "pytest_autoglm.phone",
    "TypedRecord": "pytest_autoglm.phone",
    "UnknownCommandError": "pytest_autoglm.phone",
    "ModelServer": "pytest_autoglm.realserver",
    "ModelServerError": "pytest_autoglm.realserver",
    "ModelServerUsageError": "pytest_autoglm.realserver",
}

#: The public API: the export table's names (a test checks the TYPE_CHECKING imports match).
__all__ = ["__version__"]
__all__.extend(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm._sizes import (
        SizeError as SizeError,
    )
    from pytest_autoglm._sizes import (
        format_size as format_size,
    )
    from pytest_autoglm._sizes import (
        parse_size as parse_size,
    )
    from pytest_autoglm.cassettes import (
        CassetteError as CassetteError,
    )
    from pytest_autoglm.cassettes import (
        CassetteSession as CassetteSession,
    )
    from pytest_autoglm.containers import (
        ContainerError as ContainerError,
    )
    from pytest_autoglm.containers import (
        HardeningError as HardeningError,
    )
    from pytest_autoglm.containers import (
        assert_container_hardened as assert_container_hardened,
    )
    from pytest_autoglm.deps import (
        DependencyConflict as DependencyConflict,
    )
    from pytest_autoglm.deps import (
        DependencyError as DependencyError,
    )
    from pytest_autoglm.deps import (
        DependencyReport as DependencyReport,
    )
    from pytest_autoglm.deps import (
        UnmetRequirement as UnmetRequirement,
    )
    from pytest_autoglm.deps import (
        check_dependencies as check_dependencies,
    )
    from pytest_autoglm.deps import (
        unmet_requirements as unmet_requirements,
    )
    from pytest_autoglm.gpu import (
        GpuInfo as GpuInfo,
    )
    from pytest_autoglm.gpu import (
        GpuInventory as GpuInventory,
    )
    from pytest_autoglm.gpu import (
        GpuRequirement as GpuRequirement,
    )
    from pytest_autoglm.gpu import (
        GpuSpecError as GpuSpecError,
    )
    from pytest_autoglm.gpu._xdist import GpuSharingWarning as GpuSharingWarning
    from pytest_autoglm.leaks import (
        LeakCheck as LeakCheck,
    )
    from pytest_autoglm.leaks import (
        LeakError as LeakError,
    )
    from pytest_autoglm.leaks import (
        LeakResult as LeakResult,
    )
    from pytest_autoglm.leaks import (
        LeakWarning as LeakWarning,
    )
    from pytest_autoglm.leaks import (
        MemoryLimit as MemoryLimit,
    )
    from pytest_autoglm.leaks import (
        MemoryLimitError as MemoryLimitError,
    )
    from pytest_autoglm.leaks import (
        assert_no_leak as assert_no_leak,
    )
    from pytest_autoglm.leaks import (
        assert_no_leak_async as assert_no_leak_async,
    )
    from pytest_autoglm.leaks import (
        memory_limit as memory_limit,
    )
    from pytest_autoglm.leaks import (
        no_leak as no_leak,
    )
    from pytest_autoglm.models import (
        CheckpointFormatError as CheckpointFormatError,
    )
    from pytest_autoglm.models import (
        CheckpointInfo as CheckpointInfo,
    )
    from pytest_autoglm.models import (
        ChecksumMismatch as ChecksumMismatch,
    )
    from pytest_autoglm.models import (
        CorruptCheckpointError as CorruptCheckpointError,
    )
    from pytest_autoglm.models import (
        MissingExtraError as MissingExtraError,
    )
    from pytest_autoglm.models import (
        ModelError as ModelError,
    )
    from pytest_autoglm.models import (
        ModelPathError as ModelPathError,
    )
    from pytest_autoglm.models import (
        ModelUsageError as ModelUsageError,
    )
    from pytest_autoglm.models import (
        UnsafePickleError as UnsafePickleError,
    )
    from pytest_autoglm.models import (
        UnsupportedFormatError as UnsupportedFormatError,
    )
    from pytest_autoglm.models import (
        inspect_checkpoint as inspect_checkpoint,
    )
    from pytest_autoglm.models import (
        load_checkpoint as load_checkpoint,
    )
    from pytest_autoglm.models import (
        write_checkpoint as write_checkpoint,
    )
    from pytest_autoglm.models import (
        write_tiny_model as write_tiny_model,
    )
    from pytest_autoglm.phone import STOP_REASONS as STOP_REASONS
    from pytest_autoglm.phone import AgentRunner as AgentRunner
    from pytest_autoglm.phone import Command as Command
    from pytest_autoglm.phone import Device as Device
    from pytest_autoglm.phone import FakePhone as FakePhone
    from pytest_autoglm.phone import Faults as Faults
    from pytest_autoglm.phone import InputRequested as InputRequested
    from pytest_autoglm.phone import KeyRecord as KeyRecord
    from pytest_autoglm.phone import LaunchRecord as LaunchRecord
    from pytest_autoglm.phone import PhoneError as PhoneError
    from pytest_autoglm.phone import Region as Region
    from pytest_autoglm.phone import ScenarioError as ScenarioError
    from pytest_autoglm.phone import Screen as Screen
    from pytest_autoglm.phone import Step as Step
    from pytest_autoglm.phone import SwipeRecord as SwipeRecord
    from pytest_autoglm.phone import TapRecord as TapRecord
    from pytest_autoglm.phone import Transcript as Transcript
    from pytest_autoglm.phone import TypedRecord as TypedRecord
    from pytest_autoglm.phone import UnknownCommandError as UnknownCommandError
    from pytest_autoglm.protocol import (
        ACTION_NAMES as ACTION_NAMES,
    )
    from pytest_autoglm.protocol import (
        ACTION_TYPES as ACTION_TYPES,
    )
    from pytest_autoglm.protocol import (
        Action as Action,
    )
    from pytest_autoglm.protocol import (
        ActionParseError as ActionParseError,
    )
    from pytest_autoglm.protocol import (
        Back as Back,
    )
    from pytest_autoglm.protocol import (
        CallAPI as CallAPI,
    )
    from pytest_autoglm.protocol import (
        DoubleTap as DoubleTap,
    )
    from pytest_autoglm.protocol import (
        Finish as Finish,
    )
    from pytest_autoglm.protocol import (
        Home as Home,
    )
    from pytest_autoglm.protocol import (
        Interact as Interact,
    )
    from pytest_autoglm.protocol import (
        Launch as Launch,
    )
    from pytest_autoglm.protocol import (
        LongPress as LongPress,
    )
    from pytest_autoglm.protocol import (
        Note as Note,
    )
    from pytest_autoglm.protocol import (
        Point as Point,
    )
    from pytest_autoglm.protocol import (
        ProtocolError as ProtocolError,
    )
    from pytest_autoglm.protocol import (
        Reply as Reply,
    )
    from pytest_autoglm.protocol import (
        ReplyStyle as ReplyStyle,
    )
    from pytest_autoglm.protocol import (
        Swipe as Swipe,
    )
    from pytest_autoglm.protocol import (
        TakeOver as TakeOver,
    )
    from pytest_autoglm.protocol import (
        Tap as Tap,
    )
    from pytest_autoglm.protocol import (
        Type as Type,
    )
    from pytest_autoglm.protocol import (
        TypeName as TypeName,
    )
    from pytest_autoglm.protocol import (
        Wait as Wait,
    )
    from pytest_autoglm.protocol import (
        agent_action_dict as agent_action_dict,
    )
    from pytest_autoglm.protocol import (
        format_action as format_action,
    )
    from pytest_autoglm.protocol import (
        parse_action as parse_action,
    )
    from pytest_autoglm.protocol import (
        phone_agent_parse_action as phone_agent_parse_action,
    )
    from pytest_autoglm.protocol import (
        render_reply as render_reply,
    )
    from pytest_autoglm.protocol import (
        split_reply as split_reply,
    )
    from pytest_autoglm.protocol import (
        tap_pixels as tap_pixels,
    )
    from pytest_autoglm.realserver import ModelServer as ModelServer
    from pytest_autoglm.realserver import ModelServerError as ModelServerError
    from pytest_autoglm.realserver import ModelServerUsageError as ModelServerUsageError
    from pytest_autoglm.secrets import (
        ApiKey as ApiKey,
    )
    from pytest_autoglm.secrets import (
        EnvFileError as EnvFileError,
    )
    from pytest_autoglm.secrets import (
        SecretRegistry as SecretRegistry,
    )
    from pytest_autoglm.secrets import (
        ShortSecretWarning as ShortSecretWarning,
    )
    from pytest_autoglm.secrets import (
        secret_registry as secret_registry,
    )
    from pytest_autoglm.server import (
        ApiError as ApiError,
    )
    from pytest_autoglm.server import (
        BlockedRequestError as BlockedRequestError,
    )
    from pytest_autoglm.server import (
        Call as Call,
    )
    from pytest_autoglm.server import (
        Calls as Calls,
    )
    from pytest_autoglm.server import (
        FakeServer as FakeServer,
    )
    from pytest_autoglm.server import (
        ScriptError as ScriptError,
    )
    from pytest_autoglm.server import (
        ServerConfig as ServerConfig,
    )
    from pytest_autoglm.server import (
        ServerConfigError as ServerConfigError,
    )
    from pytest_autoglm.server import (
        ServerError as ServerError,
    )
    from pytest_autoglm.server import (
        TokenEstimate as TokenEstimate,
    )
    from pytest_autoglm.server import (
        UnexpectedRequestsError as UnexpectedRequestsError,
    )
    from pytest_autoglm.server import (
        VirtualClock as VirtualClock,
    )
    from pytest_autoglm.server import (
        validate_chat_request as validate_chat_request,
    )

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
