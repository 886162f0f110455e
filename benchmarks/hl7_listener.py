"""HL7 v2 listener benchmark, part of `make bench`: messages per second through `hl7_listen`.

In a fresh database of the configured engine (DATABASE_URL, SQLite by default) with one clinic
and BENCH_HL7_PATIENTS patients (default 50), the listener runs as its own process on a free
loopback port, as in production. A sender on one connection sends BENCH_HL7_MESSAGES ORU^R01
messages (default 2,000; each a panel of five lab results for one of the patients) one after
the other, each waiting for its ACK, as most MLLP senders do; then the same number again over 4
connections at once; then the same number on one connection pipelined: the sender writes
messages without waiting and reads the ACKs as they come, so the listener finds several in its
buffer and stores them in one transaction (group commit). Each message is stored, processed
(results written) and committed before its ACK. It prints messages/s and the ACK codes received
(and checks the pipelined ACKs come in the order of the messages), and the CPU time each
message cost the listener process and its PostgreSQL backends (Linux; a figure that, unlike the
rate, does not depend on how busy the machine is). Goal: 500 messages/s on this machine. Figures
only.
"""

from __future__ import annotations

import collections
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = int(os.environ.get("BENCH_HL7_MESSAGES", "2000"))
PATIENTS = int(os.environ.get("BENCH_HL7_PATIENTS", "50"))
CONNECTIONS = 4
START, END = b"\x0b", b"\x1c\r"
PANEL = [
    ("2345-7", "Glucose", "95", "mg/dL", "70-99"),
    ("2160-0", "Creatinine", "0.9", "mg/dL", "0.6-1.3"),
    ("2823-3", "Potassium", "4.1", "mmol/L", "3.5-5.1"),
    ("2951-2", "Sodium", "139", "mmol/L", "135-145"),
    ("17861-6", "Calcium", "9.4", "mg/dL", "8.6-10.3"),
]


def oru(control_id: str, mrn: str) -> bytes:
    segments = [
        "MSH|^~\\&|BENCHLAB|BENCH LAB|LANTERN|CLINIC|20260101120000||ORU^R01^ORU_R01|"
        f"{control_id}|P|2.5.1",
        f"PID|1||{mrn}^^^CLINIC^MR||BENCH^PATIENT||19800101|F",
        f"OBR|1||{control_id}|24323-8^Metabolic panel^LN|||20260101080000||||||||||||||||||F",
    ]
    for n, (code, name, value, unit, reference) in enumerate(PANEL, start=1):
        segments.append(
            f"OBX|{n}|NM|{code}^{name}^LN||{value}|{unit}|{reference}|N|||F|||20260101080000"
        )
    return ("\r".join(segments) + "\r").encode()


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or 'localhost'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _send_all(port: int, messages: list[bytes], codes: collections.Counter) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sender:
        buffer = b""
        for raw in messages:
            sender.sendall(START + raw + END)
            while END not in buffer:
                chunk = sender.recv(65536)
                if not chunk:
                    raise SystemExit("The listener closed the connection.")
                buffer += chunk
            ack, buffer = buffer.split(END, 1)
            codes[ack.split(b"\rMSA|", 1)[1][:2].decode()] += 1


def _send_pipelined(port: int, messages: list[bytes], codes: collections.Counter) -> None:
    """Write every message without waiting; read the ACKs meanwhile; check their order."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sender:

        def write() -> None:
            for raw in messages:
                sender.sendall(START + raw + END)

        writer = threading.Thread(target=write)
        writer.start()
        buffer = b""
        for raw in messages:
            while END not in buffer:
                chunk = sender.recv(65536)
                if not chunk:
                    raise SystemExit("The listener closed the connection.")
                buffer += chunk
            ack, buffer = buffer.split(END, 1)
            msa = ack.split(b"\rMSA|", 1)[1]
            control_id = raw.split(b"|", 10)[9]
            if msa.split(b"|")[1].split(b"\r")[0] != control_id:
                raise SystemExit("A pipelined ACK came out of order.")
            codes[msa[:2].decode()] += 1
        writer.join()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(listener_pid: int) -> float:
    """CPU seconds used so far by the listener and the database backends serving it."""
    pids = [listener_pid]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            pids += [pid for (pid,) in cursor.fetchall()]
    return sum(_cpu_seconds(pid) for pid in pids)


def _patients() -> list[str]:
    from lantern.testing.factories import OrganizationFactory, PatientFactory

    clinic = OrganizationFactory(name="Bench Clinic")
    return [
        PatientFactory(managing_organization=clinic, mrn=f"BENCH-{n}").mrn for n in range(PATIENTS)
    ]


def main() -> None:
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["VAR_DIR"], "bench-hl7.sqlite3"
        )
    print(
        f"HL7 v2 listener benchmark: {MESSAGES} ORU^R01 (5 results each) on {connection.vendor},"
        f" one connection, then {CONNECTIONS} connections, then one connection pipelined"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    listener = None
    try:
        mrns = _patients()
        connection.close()
        port = _free_port()
        listener = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, str(ROOT / "manage.py"), "hl7_listen", "--port", str(port)],
            env={**os.environ, "DATABASE_URL": _database_url(), "LOG_LEVEL": "WARNING"},
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        assert listener.stdout is not None
        if "Listening" not in listener.stdout.readline().decode():
            raise SystemExit("The listener did not start.")
        batches = {
            "one connection": (
                _send_all,
                [[oru(f"ONE-{n}", mrns[n % PATIENTS]) for n in range(MESSAGES)]],
            ),
            f"{CONNECTIONS} connections": (
                _send_all,
                [
                    [
                        oru(f"MANY-{c}-{n}", mrns[n % PATIENTS])
                        for n in range(c, MESSAGES, CONNECTIONS)
                    ]
                    for c in range(CONNECTIONS)
                ],
            ),
            "one, pipelined": (
                _send_pipelined,
                [[oru(f"PIPE-{n}", mrns[n % PATIENTS]) for n in range(MESSAGES)]],
            ),
        }
        for label, (send, senders) in batches.items():
            codes: collections.Counter = collections.Counter()
            threads = [
                threading.Thread(target=send, args=(port, messages, codes)) for messages in senders
            ]
            cpu = -_cpu(listener.pid)
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu += _cpu(listener.pid)
            answered = ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
            print(
                f"  {label:<16} {MESSAGES / elapsed:6.0f} messages/s (ACKs: {answered}; CPU"
                f" {1000 * cpu / MESSAGES:.1f} ms/message, listener and its database backends)"
            )
    finally:
        if listener is not None:
            listener.terminate()
            listener.wait(30)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    import run  # noqa: F401  (benchmarks/run.py sets Django up)

    main()
