"""``assert_container_hardened``: inspect a running container, list every violation.

Works on any container the engine runs (one started by a deployment script, a compose
file or this kit), from its ``inspect`` data: privileged mode, added capabilities,
capabilities not dropped, a writable root filesystem, ports published on every interface,
the engine socket or other host paths mounted, the host's network, pid or ipc namespace,
and a missing ``no-new-privileges``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_autoglm.containers._errors import ContainerUsageError, HardeningError
from pytest_autoglm.containers._spec import exposes_engine_socket

#: every check, by the code ``allow=`` accepts, with the fix for a violation
CHECKS: dict[str, str] = {
    "privileged": "drop --privileged (privileged=True)",
    "cap-add": "remove --cap-add (cap_add=...)",
    "cap-drop": "add --cap-drop ALL (cap_drop=('ALL',))",
    "writable-root": "add --read-only and a tmpfs for the paths it writes (read_only=True)",
    "public-port": "publish on 127.0.0.1 only (-p 127.0.0.1::8000; host='127.0.0.1')",
    "engine-socket": "do not mount the container engine's socket",
    "host-path": "mount named volumes, or host paths read-only and only those needed",
    "host-network": "drop --network host (host_network=True)",
    "host-pid": "drop --pid host",
    "host-ipc": "drop --ipc host (use --shm-size for shared memory)",
    "no-new-privileges": "add --security-opt no-new-privileges (no_new_privileges=True)",
}
_ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]")


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail} (fix: {CHECKS[self.code]})"


def _inspect(container: Any) -> tuple[str, Mapping[str, Any]]:
    """The container's name and inspect data, from a kit handle, an SDK container or a dict."""
    if isinstance(container, Mapping):
        return str(container.get("Name", "?")).lstrip("/"), container
    raw = getattr(container, "raw", container)
    reload = getattr(raw, "reload", None)
    if reload is None or not hasattr(raw, "attrs"):
        raise ContainerUsageError(
            f"assert_container_hardened({container!r}): expected a container from "
            "autoglm_container, a docker SDK Container, or its inspect data (a dict)"
        )
    reload()
    return str(raw.name), raw.attrs


def violations(container: Any) -> list[Violation]:
    """Every hardening violation of ``container`` (see :data:`CHECKS`), in a fixed order."""
    return _violations(_inspect(container)[1])


def _violations(attrs: Mapping[str, Any]) -> list[Violation]:
    host = attrs.get("HostConfig") or {}
    found: list[Violation] = []
    if host.get("Privileged"):
        found.append(Violation("privileged", "runs privileged: every device and capability"))
    added = [cap for cap in host.get("CapAdd") or [] if cap]
    if added:
        found.append(Violation("cap-add", f"added capabilities {', '.join(sorted(added))}"))
    dropped = {cap.upper().removeprefix("CAP_") for cap in host.get("CapDrop") or []}
    if "ALL" not in dropped:
        found.append(
            Violation("cap-drop", "keeps the engine's default capabilities (no cap_drop ALL)")
        )
    if not host.get("ReadonlyRootfs"):
        found.append(Violation("writable-root", "root filesystem is writable"))
    found.extend(_port_violations(attrs))
    found.extend(_mount_violations(attrs))
    for key, code in (
        ("NetworkMode", "host-network"),
        ("PidMode", "host-pid"),
        ("IpcMode", "host-ipc"),
    ):
        if host.get(key) == "host":
            found.append(
                Violation(code, f"shares the host's {code.removeprefix('host-')} namespace")
            )
    options = [opt.replace("=", ":") for opt in host.get("SecurityOpt") or []]
    if not any(opt in ("no-new-privileges", "no-new-privileges:true") for opt in options):
        found.append(Violation("no-new-privileges", "no-new-privileges is not set"))
    return found


def _port_violations(attrs: Mapping[str, Any]) -> Iterable[Violation]:
    published: dict[str, list[Mapping[str, Any]]] = {}
    for source in (  # the bindings in effect first: they name the actual host port
        (attrs.get("NetworkSettings") or {}).get("Ports") or {},
        (attrs.get("HostConfig") or {}).get("PortBindings") or {},
    ):
        for port, bindings in source.items():
            published.setdefault(port, []).extend(bindings or [])
    seen = set()
    for port, bindings in sorted(published.items()):
        for binding in bindings:
            address = binding.get("HostIp", "")
            if address in _ALL_INTERFACES and (port, address or "0.0.0.0") not in seen:
                seen.add((port, address or "0.0.0.0"))
                shown = address or "0.0.0.0"
                host_port = binding.get("HostPort") or "random"
                yield Violation(
                    "public-port", f"{port} published on {shown}:{host_port} (every interface)"
                )


def _mount_violations(attrs: Mapping[str, Any]) -> Iterable[Violation]:
    for mount in attrs.get("Mounts") or []:
        if mount.get("Type") != "bind":
            continue
        source, target = mount.get("Source", "?"), mount.get("Destination", "?")
        mode = "read-write" if mount.get("RW") else "read-only"
        if exposes_engine_socket(source):
            yield Violation("engine-socket", f"{source} mounted at {target}: root on the host")
        else:
            yield Violation("host-path", f"host path {source} mounted {mode} at {target}")


def assert_container_hardened(container: Any, *, allow: Iterable[str] = ()) -> None:
    """Fail with every hardening violation of a running container, each with its fix.

    ``container``: a handle from ``autoglm_container``, a docker SDK ``Container`` (such
    as ``docker.from_env().containers.get("my-vllm")``), or its inspect data. ``allow``
    names checks to accept (``allow={"host-path"}``); the codes are the keys of
    :data:`CHECKS`.
    """
    __tracebackhide__ = True
    allowed = set(allow)
    unknown = sorted(allowed - CHECKS.keys())
    if unknown:
        raise ContainerUsageError(
            f"allow: unknown check(s) {', '.join(map(repr, unknown))}; accepted: {', '.join(CHECKS)}"
        )
    name, attrs = _inspect(container)
    problems = [v for v in _violations(attrs) if v.code not in allowed]
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise HardeningError(
            f"container {name} is not hardened: {len(problems)} violation(s)\n{lines}",
            tuple(problem.code for problem in problems),
        )
