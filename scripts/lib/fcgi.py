"""A small FastCGI client (responder role) for the crash, soak and shutdown harnesses.

Written from the FastCGI 1.0 specification; it talks to the responder's Unix socket directly,
as nginx would, so a harness needs no nginx to kill the responder at an exact point."""
import socket
import struct

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def _record(kind, payload, request_id=1):
    padding = (8 - len(payload) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, request_id, len(payload), padding) + payload + b"\0" * padding


def _length(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def _pairs(params):
    out = b""
    for name, value in params.items():
        name, value = name.encode(), value.encode()
        out += _length(len(name)) + _length(len(value)) + name + value
    return out


def _stream(kind, data):
    out = b""
    for start in range(0, len(data), 32768):
        out += _record(kind, data[start:start + 32768])
    return out + _record(kind, b"")


class Response:
    def __init__(self, raw):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        self.headers = {}
        self.status = 200
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if "status" in self.headers:
            self.status = int(self.headers["status"].split()[0])

    def json(self):
        import json
        return json.loads(self.body)


def request(socket_path, method, uri, body=b"", content_type="", headers=None, timeout=30, extra=None):
    """Sends one request; returns a Response, or None when the connection broke before its end
    (the responder died). `extra`: more FastCGI parameters (DEPOT_BODY_FILE, as nginx sends it)."""
    path, _, query = uri.partition("?")
    params = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path, "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type, "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
    }
    for name, value in (headers or {}).items():
        params["HTTP_" + name.upper().replace("-", "_")] = value
    for name, value in (extra or {}).items():
        params[name] = value
    message = _record(BEGIN_REQUEST, struct.pack(">HB5x", 1, 0)) + _stream(PARAMS, _pairs(params)) + _stream(STDIN, body)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(socket_path)
            connection.sendall(message)
            stdout = b""
            buffer = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return None
                buffer += chunk
                while len(buffer) >= 8:
                    _, kind, _, length, padding = struct.unpack(">BBHHBx", buffer[:8])
                    if len(buffer) < 8 + length + padding:
                        break
                    payload = buffer[8:8 + length]
                    buffer = buffer[8 + length + padding:]
                    if kind == STDOUT:
                        stdout += payload
                    elif kind == END_REQUEST:
                        return Response(stdout)
        except OSError:
            return None


def multipart(files, fields=None, boundary="crashtestboundary7MA4YWxk"):
    """(body, content type) for [(field, filename, bytes)] and {name: value}."""
    out = b""
    for name, value in (fields or {}).items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
