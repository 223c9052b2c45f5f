"""Small local images for the container tests, built from a static busybox; never pulled.

``ensure_images(client)`` imports a busybox root filesystem once and tags it three ways:

- ``autoglm-test/httpd:local`` stands in for a model server: it logs, serves ``/health``
  and ``/v1/models`` with busybox httpd on port 8000 and logs ``server ready``; the
  environment variable ``DELAY`` (seconds) holds it back before it starts serving.
- ``autoglm-test/crash:local`` logs a CUDA error and exits with code 3 at once.
- ``autoglm-test/hang:local`` logs a line and then never becomes ready.

Needs Debian's ``busybox-static`` (a dynamically linked busybox cannot run in an image
with no libc). ``python tests/containers/container_images.py`` builds them from a shell.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

HTTPD = "autoglm-test/httpd:local"
CRASH = "autoglm-test/crash:local"
HANG = "autoglm-test/hang:local"
LABEL = "io.pytest-autoglm.test-image"
APPLETS = ("sh", "echo", "mkdir", "httpd", "sleep", "cat", "wget", "id", "touch", "ls")

_SERVE = (
    'echo "starting stand-in server"; sleep "${DELAY:-0}"; mkdir -p /tmp/www/v1; '
    "echo ok > /tmp/www/health; "
    'echo \'{"object":"list","data":[{"id":"autoglm-phone-9b","object":"model"}]}\' '
    "> /tmp/www/v1/models; "
    'echo "server ready on port 8000"; exec httpd -f -v -p 8000 -h /tmp/www'
)
COMMANDS = {
    HTTPD: ["/bin/sh", "-c", _SERVE],
    CRASH: [
        "/bin/sh",
        "-c",
        'echo "loading model" >&2; echo "CUDA error: out of memory" >&2; exit 3',
    ],
    HANG: ["/bin/sh", "-c", 'echo "loading model forever"; exec sleep 100000'],
}


def static_busybox() -> Path:
    for candidate in ("/bin/busybox", "/usr/bin/busybox", shutil.which("busybox")):
        if candidate and Path(candidate).is_file():
            head = Path(candidate).read_bytes()[:8192]
            if b"ld-linux" not in head and b"ld-musl" not in head:
                return Path(candidate)
    raise FileNotFoundError(
        "no static busybox found: install it with `apt-get install busybox-static`"
    )


def rootfs_tar(busybox: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in ("bin", "tmp", "etc"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        data = busybox.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        passwd = b"root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        tar.addfile(info, io.BytesIO(passwd))
    return buffer.getvalue()


def ensure_images(client: Any) -> list[str]:
    """Build the test images that are missing; return the tags built."""
    import docker.errors

    missing = []
    for tag in COMMANDS:
        try:
            client.images.get(tag)
        except docker.errors.ImageNotFound:
            missing.append(tag)
    if not missing:
        return []
    data = rootfs_tar(static_busybox())
    for tag in missing:
        repository, _, version = tag.rpartition(":")
        changes = [f"CMD {json.dumps(COMMANDS[tag])}", f"LABEL {LABEL}=1"]
        client.api.import_image_from_data(data, repository=repository, tag=version, changes=changes)
    return missing


if __name__ == "__main__":
    import docker

    built = ensure_images(docker.from_env())
    print("built:", ", ".join(built) if built else "nothing (all present)")
