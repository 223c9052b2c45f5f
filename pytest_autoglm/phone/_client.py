"""The fake ``adb``/``hdc`` executable: a tiny client of the test's fake phone.

The fixture copies this file into a folder it puts first on ``PATH``, as ``adb`` and
``hdc``, with ``ADDRESS`` and ``TOOL`` filled in and a ``#!<python> -IS`` line on top. Each
run sends its arguments and working folder over a Unix socket to the fake phone in the
test process, which answers with an exit code, stdout and stderr (bytes, written as they
came: a fault may send bytes that are not valid UTF-8 or GBK).

Start-up is what a command costs, so this imports only ``_socket``, ``posix`` and ``sys``:
under ``-S`` nothing has imported ``os`` yet, and importing it (with ``posixpath``,
``stat``, ``_collections_abc``) cost more instructions than the whole rest of the client
(callgrind). Arguments are encoded as ``os.fsencode`` does on POSIX.
Wire format: request ``TOOL\\0PID\\0CWD\\0ARG\\0ARG...``; reply ``RC OUTLEN ERRLEN HANG\\n``
then the stdout and stderr bytes. ``HANG`` > 0: sleep that long before answering; ``HANG``
< 0: a hang on the test's virtual clock: write, close the output, exit when the phone closes
the connection.
"""

import _socket
import posix
import sys

ADDRESS = "__ADDRESS__"
TOOL = "__TOOL__"


def _write(fd: int, data: bytes) -> None:
    while data:
        data = data[posix.write(fd, data) :]


def main(argv: list[str]) -> int:
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(ADDRESS)
    except OSError as exc:
        message = f"{TOOL}: the fake phone of pytest-autoglm is not running ({ADDRESS}: {exc})\n"
        _write(2, message.encode())
        return 1
    try:
        cwd = posix.getcwdb()
    except OSError:
        cwd = b"/"
    encoded = [arg.encode("utf-8", "surrogateescape") for arg in argv]
    pid = str(posix.getpid()).encode()
    sock.sendall(b"\0".join([TOOL.encode(), pid, cwd, *encoded]))
    sock.shutdown(_socket.SHUT_WR)
    chunks = []
    size = -1  # the head's length plus the output's, once the head has come
    received = 0
    while size < 0 or received < size:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
        if size < 0 and b"\n" in chunk:
            data = b"".join(chunks)
            chunks = [data]
            fields = data[: data.index(b"\n")].split()
            if len(fields) == 4:
                size = data.index(b"\n") + 1 + int(fields[1]) + int(fields[2])
    head, _, body = b"".join(chunks).partition(b"\n")
    fields = head.split()
    if len(fields) != 4:
        _write(2, f"{TOOL}: the fake phone closed the connection\n".encode())
        return 1
    code, out_len, err_len, hang = int(fields[0]), int(fields[1]), int(fields[2]), float(fields[3])
    if hang > 0:  # a hung command (a fault): the caller's own timeout decides what happens
        import time  # built in

        time.sleep(hang)
    _write(1, body[:out_len])
    _write(2, body[out_len : out_len + err_len])
    if hang < 0:  # hung on the test's virtual clock: the caller's wait wakes, the phone decides
        posix.close(1)
        posix.close(2)
        while sock.recv(1 << 16):
            pass
    sock.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
