"""Reminders through real processes: a Celery worker (and beat) as subprocesses, on the
pytest-django test database (PostgreSQL; transactional tests commit, so the subprocesses see
the data) and on a redis-server of the test's own, which a test can stop and start again
without touching the machine's Redis. No eager mode, no mocks of Celery.

What is shown, with exact counts per reminder (in-app notifications, and e-mails read back
from the worker's file or SMTP outbox):

1. Redis is down when an action falls due: the enqueue fails and is logged, the reminder
   row stays pending; once Redis is back, the next scan enqueues it again and the worker
   delivers it exactly once.
2. A worker is killed (SIGKILL) during delivery. Killed before its transaction commits, the
   reminder stays pending and the next scan has a new worker deliver it: one notification,
   one e-mail. Killed while the SMTP server holds the e-mail, the notification stays (one)
   and the e-mail, claimed before sending, is lost rather than sent twice: when the broker
   later redelivers both unacknowledged messages, nothing is notified or sent again. The
   guarantee is therefore: notifications exactly once, e-mails at most once.
3. Two scans overlap (two threads whose scans both find the same due actions before either
   inserts, and two beat instances firing at the same moment): no duplicate reminder, no
   duplicate notification, one e-mail each.
4. Reassigning an action: a reminder recorded after the reassignment, and one recorded (and
   already queued) before it, both go to the new responsible person only.

Run with `make test PYTEST_ARGS="-m integration"` and DATABASE_URL=postgres://...; needs the
`redis-server` binary on PATH.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from coordination import reminders, services
from coordination.models import Action, Case, Notification, Reminder

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://...): the worker and beat "
        "subprocesses share the test database, and the tests rely on row locks",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 60.0  # seconds for anything a process is waited for
REENQUEUE_AFTER = 1  # REMINDER_REENQUEUE_AFTER_SECONDS, here and in the subprocesses
Kind = Reminder.Kind


# --- Waiting ---------------------------------------------------------------------------------


def wait_for(
    condition: Callable[[], Any], what: str, timeout: float = TIMEOUT, logs: str = ""
) -> Any:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.\n{logs}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- A redis-server of the test's own ----------------------------------------------------------


class RedisServer:
    """redis-server on a free port, without persistence: stop() is an outage that loses
    whatever was queued, start() brings an empty server back on the same port."""

    def __init__(self, directory: Path) -> None:
        assert REDIS_SERVER
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=5)

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

        def up() -> bool:
            try:
                return bool(self.client().ping())
            except redis.RedisError:
                return False

        wait_for(up, f"redis-server on port {self.port}", timeout=15)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def queued(self) -> int:
        """Messages waiting in the Celery queue (kombu keeps one list per priority step)."""
        client = self.client()
        return sum(
            int(client.llen(key))
            for key in client.scan_iter("celery*")
            if client.type(key) == b"list"
        )

    def restore_unacked(self) -> None:
        """What kombu's Redis transport does once a message has been unacknowledged longer
        than its visibility timeout (an hour by default): put it back in the queue, for a
        worker to receive again. Here, at once."""
        from kombu import Connection

        with Connection(self.url, transport_options={"visibility_timeout": 0}) as broker:
            broker.default_channel.qos.restore_visible(num=1000)


# --- Outboxes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str


def _parse(raw: bytes) -> Mail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return Mail(to=str(message["To"]), subject=str(message["Subject"]))


class FileOutbox:
    """The worker's e-mails through Django's file backend (one file per connection)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()

    @property
    def email_url(self) -> str:
        # django-environ drops the first slash of the path: filemail:////abs/path is /abs/path.
        return f"filemail:///{self.directory}"

    def messages(self) -> list[Mail]:
        found = []
        for path in sorted(self.directory.glob("*.log")):
            for raw in re.split(rb"(?m)^-{79}$", path.read_bytes()):
                if raw.strip():
                    found.append(_parse(raw.strip() + b"\n"))
        return found


class SmtpSink:
    """A minimal SMTP server in a thread: it records every message it accepts, and while
    `stall` is set it never answers DATA (the sending worker waits until it is killed)."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self.stall = threading.Event()
        self.stalled = threading.Event()  # a client is being held at DATA
        self._received: list[bytes] = []
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop listening and hang up on every client (one held at DATA fails at once)."""
        self._server.close()
        with self._lock:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)

    def messages(self) -> list[Mail]:
        with self._lock:
            return [_parse(raw) for raw in self._received]

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._clients.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:

            def reply(text: str) -> None:
                conn.sendall(text.encode() + b"\r\n")

            reply("220 sink ESMTP")
            while line := lines.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    reply("250 sink")
                elif verb == b"DATA" and self.stall.is_set():
                    self.stalled.set()
                    while lines.readline():  # no answer; until the client is gone
                        pass
                    return
                elif verb == b"DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    data = []
                    while (chunk := lines.readline()) not in (b".\r\n", b""):
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    with self._lock:
                        self._received.append(b"".join(data))
                    reply("250 queued")
                elif verb == b"QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 ok")


Outbox = FileOutbox | SmtpSink


def mails(outbox: Outbox, user: User, case: Case) -> int:
    """E-mails to `user` about `case` (each test's reminders are on cases of their own)."""
    return sum(1 for m in outbox.messages() if m.to == user.email and case.reference in m.subject)


# --- Celery processes ----------------------------------------------------------------------------

TASK_LINE = re.compile(
    r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] "
    r"(?P<state>received|succeeded in [\d.]+s: (?P<result>.*)|raised|retry)"
)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tasks(self, task: str = "", state: str = "") -> list[tuple[str, str]]:
        """(task id, result) of the lines for `task` in `state` (received/succeeded)."""
        return [
            (m["id"], m["result"] or "")
            for m in TASK_LINE.finditer(self.text())
            if m["task"].endswith(task) and m["state"].startswith(state)
        ]

    def idle(self) -> bool:
        received = {i for i, _ in self.tasks(state="received")}
        finished = {i for i, _ in self.tasks(state="succeeded")}
        finished |= {i for i, _ in self.tasks(state="raised")}
        return received <= finished

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no rollback sent to the database."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=15)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Stack:
    """The subprocesses of one test, on the test database and the test's redis-server."""

    redis: RedisServer
    directory: Path
    outbox: Outbox
    processes: list[Process] = field(default_factory=list)

    def env(self, outbox: Outbox | None = None) -> dict[str, str]:
        db = connection.settings_dict  # NAME is the test database's by now
        url = (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
        )
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SAMRAAD_ENV_FILE": "config/dev.env",  # the development keys; the rest below wins
            "DATABASE_URL": url,
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": self.redis.url,
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": (outbox or self.outbox).email_url,
            "REMINDER_REENQUEUE_AFTER_SECONDS": str(REENQUEUE_AFTER),
            "PYTHONUNBUFFERED": "1",
        }

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        log = self.directory / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603
                [str(BIN / "celery"), "-A", "config", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def worker(self, name: str, outbox: Outbox | None = None) -> Process:
        args = ["worker", "--pool=solo", "-Q", "celery", "--concurrency", "1"]
        args += ["-n", f"{name}@%h", "--loglevel=INFO", "--without-mingle"]
        process = self._spawn(name, args, self.env(outbox))
        self.wait(lambda: f"{name}@" in process.text() and " ready." in process.text(), name)
        return process

    def beat(self, name: str) -> Process:
        args = ["beat", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
        args += ["--loglevel=INFO", "--max-interval", "1"]
        args += ["--schedule", str(self.directory / f"{name}-schedule")]
        return self._spawn(name, args, self.env())

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}:\n{p.text()[-4000:]}" for p in self.processes)

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
        def check() -> Any:
            for process in self.processes:
                code = process.popen.poll()
                if code is not None and code not in (0, -signal.SIGKILL, -signal.SIGTERM):
                    raise AssertionError(f"{process.name} exited.\n{self.logs()}")
                if "raised unexpected" in process.text():
                    raise AssertionError(f"A task failed in {process.name}.\n{self.logs()}")
            return condition()

        return wait_for(check, what, timeout, self.logs())

    def drained(self) -> None:
        """Wait until nothing is queued and every live worker has finished what it took."""
        live = [p for p in self.processes if p.popen.poll() is None and "worker" in p.popen.args]
        self.wait(
            lambda: self.redis.queued() == 0 and all(p.idle() for p in live),
            "the queue to drain",
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        if os.environ.get("SAMRAAD_EXPECT_BROKER") == "redis":
            pytest.fail("redis-server is not on PATH, and SAMRAAD_EXPECT_BROKER=redis.")
        pytest.skip("needs the redis-server binary on PATH")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """Point this process's Celery app (what reminders_scan enqueues with) at the test's
    redis-server, and back afterwards. Celery reads CELERY_BROKER_URL from the environment
    before its configuration, so that variable is set too."""
    from config.celery import app

    def reset() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    previous = app.conf.broker_url
    reset()
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)
    for variable in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.delenv(variable, raising=False)
    app.conf.broker_url = redis_server.url
    # Never publish to the machine's Redis by mistake.
    assert app.connection_for_write().as_uri().endswith(f":{redis_server.port}/0")
    yield redis_server
    reset()
    app.conf.broker_url = previous


@pytest.fixture
def quiet_demo(transactional_db: None, settings: Any) -> None:
    """The demo data (seeded again if an earlier transactional test flushed it), with nothing
    of its own due: its reminders are recorded and dropped and its actions cancelled, so the
    worker only has each test's reminders to deliver."""
    settings.REMINDER_REENQUEUE_AFTER_SECONDS = REENQUEUE_AFTER
    if not User.objects.filter(username="ssp.aalborg").exists():
        call_command("seed_demo", "--force", verbosity=0)
    reminders.reminders_scan(enqueue=False)
    Action.objects.exclude(status__in=(Action.Status.DONE, Action.Status.CANCELLED)).update(
        status=Action.Status.CANCELLED
    )
    Reminder.objects.filter(state=Reminder.State.PENDING).update(state=Reminder.State.DROPPED)


@pytest.fixture
def stack(tmp_path: Path, broker: RedisServer, quiet_demo: None) -> Iterator[Stack]:
    """Depends on the database fixtures, so its processes end before the test's flush."""
    celery = Stack(redis=broker, directory=tmp_path, outbox=FileOutbox(tmp_path / "mail"))
    yield celery
    celery.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def new_case(open_case: Callable[..., Case]) -> Callable[[], Case]:
    """A Knock Knock case led by ssp.aalborg, with the units of politi.forebyg and
    fam.aalborg taking part (both may be made responsible for its actions)."""

    def make() -> Case:
        return open_case(
            "Knock Knock Aalborg",
            "ssp.aalborg",
            "SSP Aalborg",
            age=16,
            others=["Forebyggelse Aalborg", "Familiegrupperne"],
            track="15-17",
        )

    return make


@pytest.fixture
def action_on(persona: Callable[[str], User]) -> Callable[..., Action]:
    def make(case: Case, due_in: dt.timedelta, responsible: str = "politi.forebyg") -> Action:
        return services.action_create(
            actor=persona("ssp.aalborg"),
            case=case,
            title="Ring til forældrene",
            responsible=persona(responsible),
            due_at=timezone.now() + due_in,
        )

    return make


def notified(reminder: Reminder) -> list[str]:
    return sorted(
        Notification.objects.filter(reminder=reminder).values_list("user__username", flat=True)
    )


def after_reenqueue_window(reminder: Reminder) -> None:
    """Let REMINDER_REENQUEUE_AFTER_SECONDS pass since the reminder was last enqueued."""
    reminder.refresh_from_db()
    assert reminder.enqueued_at is not None
    left = (
        reminder.enqueued_at + dt.timedelta(seconds=REENQUEUE_AFTER) - timezone.now()
    ).total_seconds()
    if left > -0.05:
        time.sleep(left + 0.1)


# --- 1. Redis down when an action falls due ------------------------------------------------------


def test_a_broker_outage_delays_the_reminder_and_it_is_delivered_once(
    stack: Stack, new_case, action_on, persona, caplog: pytest.LogCaptureFixture
) -> None:
    officer = persona("politi.forebyg")
    stack.worker("w1")
    case = new_case()
    action = action_on(case, due_in=-dt.timedelta(minutes=1))

    stack.redis.stop()
    with caplog.at_level(logging.WARNING, logger="coordination.reminders"):
        assert reminders.reminders_scan() >= 1
    assert "Could not enqueue reminder delivery" in caplog.text
    reminder = Reminder.objects.get(action=action)
    assert reminder.kind == Kind.ACTION_DUE and reminder.recipient == officer
    assert reminder.state == Reminder.State.PENDING and reminder.enqueued_at is not None
    assert notified(reminder) == [] and mails(stack.outbox, officer, case) == 0

    stack.redis.start()  # empty: the failed enqueue left nothing behind
    assert stack.redis.queued() == 0
    after_reenqueue_window(reminder)
    first_enqueue = reminder.enqueued_at
    reminders.reminders_scan()  # nothing new for the action; its reminder is sent again
    assert Reminder.objects.filter(action=action).count() == 1
    reminder.refresh_from_db()
    assert reminder.enqueued_at is not None and first_enqueue is not None
    assert reminder.enqueued_at > first_enqueue

    stack.wait(lambda: mails(stack.outbox, officer, case) >= 1, "the e-mail after the outage")
    stack.drained()
    # A later scan has nothing to re-send: the reminder is delivered.
    after_reenqueue_window(reminder)
    reminders.reminders_scan()
    stack.drained()
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.DELIVERED and reminder.attempts == 1
    assert notified(reminder) == [officer.username]
    assert mails(stack.outbox, officer, case) == 1


# --- 2. A worker killed during delivery ----------------------------------------------------------


def _lock_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def _blocked_by(holder: psycopg.Connection[Any]) -> list[int]:
    """The database sessions (backend pids) waiting for a lock that `holder` holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder.info.backend_pid],
        )
        return [int(pid) for (pid,) in cursor.fetchall()]


def _alive(pids: list[int]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_during_delivery_notifies_once_and_never_e_mails_twice(
    stack: Stack, smtp_sink: SmtpSink, new_case, action_on, persona
) -> None:
    officer = persona("politi.forebyg")
    stack.outbox = smtp_sink

    # (a) Killed before its delivery commits: here it waits for the row lock this test holds.
    case_a = new_case()
    action_a = action_on(case_a, due_in=-dt.timedelta(minutes=1))
    reminders.reminders_scan()  # queued; no worker yet
    reminder_a = Reminder.objects.get(action=action_a)
    with _lock_connection() as holder:
        holder.execute(
            "SELECT id FROM coordination_reminder WHERE id = %s FOR UPDATE", [reminder_a.pk]
        )
        w1 = stack.worker("w1")
        blocked = stack.wait(lambda: _blocked_by(holder), "w1 to block on the row lock")
        w1.kill()
        holder.rollback()
    # The killed worker's session ends without a commit (PostgreSQL rolls it back).
    stack.wait(lambda: not _alive(blocked), "w1's database session to end")
    reminder_a.refresh_from_db()
    assert reminder_a.state == Reminder.State.PENDING and reminder_a.attempts == 0
    assert notified(reminder_a) == []
    ((lost_a, _),) = w1.tasks("deliver_reminders", "received")

    w2 = stack.worker("w2")
    after_reenqueue_window(reminder_a)
    reminders.reminders_scan()  # the stale pending reminder is enqueued again
    stack.wait(lambda: mails(smtp_sink, officer, case_a) >= 1, "w2 to deliver reminder a")
    stack.drained()
    assert notified(reminder_a) == [officer.username]
    assert mails(smtp_sink, officer, case_a) == 1

    # (b) Killed while the SMTP server holds its e-mail (after the notification committed and
    # the e-mail was claimed).
    smtp_sink.stall.set()
    case_b = new_case()
    action_b = action_on(case_b, due_in=-dt.timedelta(minutes=1))
    reminders.reminders_scan()
    reminder_b = Reminder.objects.get(action=action_b)
    stack.wait(smtp_sink.stalled.is_set, "w2 to be held by the SMTP server at DATA")
    w2.kill()
    smtp_sink.stall.clear()
    reminder_b.refresh_from_db()
    assert reminder_b.state == Reminder.State.DELIVERED
    assert notified(reminder_b) == [officer.username]
    assert Notification.objects.get(reminder=reminder_b).emailed_at is not None  # claimed
    assert mails(smtp_sink, officer, case_b) == 0
    done = {i for i, _ in w2.tasks("deliver_reminders", "succeeded")}
    (lost_b,) = [i for i, _ in w2.tasks("deliver_reminders", "received") if i not in done]

    # A new worker; the next scan has nothing to re-send (b is delivered, a too).
    w3 = stack.worker("w3")
    after_reenqueue_window(reminder_b)
    enqueued = reminder_b.enqueued_at
    reminders.reminders_scan()
    reminder_b.refresh_from_db()
    assert reminder_b.enqueued_at == enqueued
    # The broker redelivers both unacknowledged messages of the killed workers (as Redis
    # does after the visibility timeout): the same task ids, and nothing happens twice.
    stack.redis.restore_unacked()
    stack.wait(
        lambda: {lost_a, lost_b} <= {i for i, _ in w3.tasks("deliver_reminders", "succeeded")},
        "w3 to run the redelivered messages",
    )
    assert {r for i, r in w3.tasks("deliver_reminders", "succeeded") if i in (lost_a, lost_b)} == {
        "0"
    }  # e-mails sent by the redelivered tasks
    stack.drained()
    assert notified(reminder_a) == [officer.username] and notified(reminder_b) == [officer.username]
    assert mails(smtp_sink, officer, case_a) == 1
    assert mails(smtp_sink, officer, case_b) == 0  # lost with w2, never sent twice
    assert Reminder.objects.get(pk=reminder_a.pk).attempts == 1
    assert Reminder.objects.get(pk=reminder_b.pk).attempts == 1


# --- 3. Overlapping scans -------------------------------------------------------------------------


def test_overlapping_scans_record_and_notify_once(
    stack: Stack, new_case, action_on, persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = persona("politi.forebyg")
    stack.worker("w1")
    stack.worker("w2")

    # Two threads (two database connections) scanning at the same moment: the scan's
    # advisory lock makes the second wait for the first's commit, then find nothing new.
    cases = [new_case() for _ in range(3)]
    actions = [action_on(case, due_in=-dt.timedelta(minutes=1)) for case in cases]
    start = threading.Barrier(2, timeout=30)
    outcomes: list[object] = []

    def scan() -> None:
        try:
            start.wait()
            outcomes.append(reminders.reminders_scan())
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert all(isinstance(n, int) for n in outcomes) and len(outcomes) == 2, outcomes
    counts = sorted(n for n in outcomes if isinstance(n, int))
    assert counts[0] == 0 and counts[1] >= len(actions), counts  # the second found nothing new
    assert Reminder.objects.filter(action__in=actions).count() == len(actions)

    # Two beat instances (a second one started by mistake) that both find the scan due and
    # send it at the same moment; two workers run the two scans.
    later_cases = [new_case() for _ in range(2)]
    later = [action_on(case, due_in=-dt.timedelta(minutes=1)) for case in later_cases]
    _scan_due_in(seconds=8)
    beats = [stack.beat("beat1"), stack.beat("beat2")]
    for beat in beats:
        stack.wait(lambda b=beat: "beat: Starting" in b.text(), f"{beat.name} to start")
    stack.wait(
        lambda: all("Sending due task scan-reminders" in b.text() for b in beats),
        "both beats to send scan-reminders",
        timeout=30,
    )
    workers = [p for p in stack.processes if p.name.startswith("w")]
    stack.wait(
        lambda: sum(len(w.tasks("scan_reminders", "succeeded")) for w in workers) == 2,
        "the two scans",
    )
    for beat in beats:
        beat.stop()

    everything = [*zip(cases, actions, strict=True), *zip(later_cases, later, strict=True)]
    stack.wait(
        lambda: all(mails(stack.outbox, officer, case) >= 1 for case, _ in everything),
        "an e-mail for every action",
    )
    stack.drained()
    for case, action in everything:
        (reminder,) = Reminder.objects.filter(action=action)
        assert reminder.kind == Kind.ACTION_DUE and reminder.state == Reminder.State.DELIVERED
        assert notified(reminder) == [officer.username]
        assert mails(stack.outbox, officer, case) == 1


def _scan_due_in(seconds: int) -> None:
    """Install the beat schedule in django-celery-beat's tables (as a beat's start would),
    with scan-reminders next due in `seconds` and the other entries not due in this test."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    from config.celery import app

    for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items():
        ModelEntry.from_entry(name, app=app, **entry)
    now = timezone.now()
    PeriodicTask.objects.update(last_run_at=now)
    interval = float(django_settings.CELERY_BEAT_SCHEDULE["scan-reminders"]["schedule"])
    PeriodicTask.objects.filter(name="scan-reminders").update(
        last_run_at=now - dt.timedelta(seconds=interval - seconds)
    )


# --- 4. Reassignment ------------------------------------------------------------------------------


def test_reminders_go_to_the_new_responsible_person(
    stack: Stack, new_case, action_on, persona
) -> None:
    officer, caseworker = persona("politi.forebyg"), persona("fam.aalborg")
    soon = dt.timedelta(hours=2)  # inside REMINDER_DUE_SOON_HOURS
    assert soon < dt.timedelta(hours=django_settings.REMINDER_DUE_SOON_HOURS)
    case_before, case_after = new_case(), new_case()
    # Reassigned before the scan: the reminder is recorded for the new person.
    early = action_on(case_before, due_in=soon)
    services.action_reassign(actor=persona("ssp.aalborg"), action=early, responsible=caseworker)
    # Reassigned after the scan recorded (and queued) its reminder for the old person.
    late = action_on(case_after, due_in=soon)
    reminders.reminders_scan()
    assert stack.redis.queued() >= 1
    pending = Reminder.objects.get(action=late)
    assert pending.kind == Kind.ACTION_DUE_SOON and pending.recipient == officer
    services.action_reassign(actor=persona("ssp.aalborg"), action=late, responsible=caseworker)
    pending.refresh_from_db()
    assert pending.recipient == caseworker and pending.state == Reminder.State.PENDING

    stack.worker("w1")  # takes the message queued before the reassignment
    stack.wait(
        lambda: (
            mails(stack.outbox, caseworker, case_before) >= 1
            and mails(stack.outbox, caseworker, case_after) >= 1
        ),
        "the e-mails to the new responsible person",
    )
    stack.drained()
    for case, action in ((case_before, early), (case_after, late)):
        (reminder,) = Reminder.objects.filter(action=action)
        assert reminder.kind == Kind.ACTION_DUE_SOON and reminder.recipient == caseworker
        assert notified(reminder) == [caseworker.username]
        assert mails(stack.outbox, caseworker, case) == 1
        assert mails(stack.outbox, officer, case) == 0
