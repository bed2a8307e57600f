"""The faults that cause fallbacks, injected under load: decisions from several threads and
writes, through the balancers' virtual address, as the platform and customers send them.

Each test prints one line of figures from the moment of the fault: decisions that failed
in its first second and after it, their p99 and slowest outside that second, writes
refused and when they were accepted again, and acknowledged writes missing (checked
entry by entry against the primary). Each leaves the cluster whole for the next.
The last test checks every write acknowledged in the session against every node.
"""

import os
import signal
import time

import httpx

from tests.helpers import DOMAIN
from tests.scaleout.cluster import (APP_HOSTS, DB_HOSTS, ETCD_HOSTS, LB_HOSTS, PATRONI_TTL,
                                    ClusterError, wait_until)
from tests.scaleout.load import ACKNOWLEDGED, Figures, Load, stored_numbers

# The figures. The bounds on writes and on a hung host's rotation are asserted as
# they are; the decisions' p99 (a latency on a shared 2-core machine) is printed, and
# asserted only with slack.
DECISION_P99_MS, DECISION_P99_SLACK_MS = 100, 1000
KILLED_PRIMARY_WRITES_BACK_S = 10
SILENT_PRIMARY_WRITES_BACK_S = 30
HUNG_OUT_OF_ROTATION_S, RESUMED_BACK_S = 2, 5
# The balancers' address moves within keepalived's 1 s check and a takeover of tens of
# ms (slack for a loaded machine); decisions are answered again this soon after it.
BALANCER_MOVED_S, BALANCER_SETTLE_S = 2, 0.3


def under_load(cluster, prefix: str, fault, warmup: float = 1.5, after: float = 2.0):
    """Decisions (4 threads) and writes (2) through the virtual address; `fault(load)` runs
    after `warmup` and returns notes; figures count from the moment it began."""
    with Load(cluster.url, prefix, writers=2, readers=4, reads=("decision",)) as load:
        time.sleep(warmup)
        at = time.monotonic()
        notes = fault(load, at)
        time.sleep(after)
    return load, at, notes, Figures.of(load, cluster, at)


def assert_decisions_held(figures: Figures) -> None:
    assert figures.decision_errors_after == [], figures.decision_errors_after[:5]
    assert figures.decision_p99_ms < DECISION_P99_MS + DECISION_P99_SLACK_MS
    assert figures.missing == set()


def writes_acknowledged_since(load: Load, since: float) -> bool:
    return any(r.kind == "write" and r.status == 200 and r.sent > since for r in load.results)


# -- an app host's pooler, an app host, a balancer, an etcd member ------------------------


def test_an_app_hosts_pgbouncer_killed(cluster):
    host = "app3"

    def fault(load, at):
        cluster.kill(f"{host}-pgbouncer")
        wait_until(lambda: cluster.server_status(host).startswith("DOWN"), 10,
                   f"HAProxy to mark {host} down")
        down = time.monotonic() - at
        time.sleep(1)
        restarted = time.monotonic()
        cluster.start_pgbouncer(host)
        wait_until(lambda: cluster.server_status(host) == "UP", 10, f"{host} to be back")
        return {"down": down, "up": time.monotonic() - restarted}

    load, at, notes, figures = under_load(cluster, "fb", fault)
    print(f"\nscaleout fault pgbouncer killed on {host}: out of rotation {notes['down']:.2f} s "
          f"after (its /readyz fails), back {notes['up']:.2f} s after PgBouncer's restart; "
          f"{figures.line()}")
    assert_decisions_held(figures)


def test_an_app_host_hung_then_resumed(cluster):
    """SIGSTOP to every process of the host (gunicorn, its workers, PgBouncer): a host that
    hangs instead of dying, its connections open and silent."""
    host = "app2"
    groups = [cluster.processes[f"{host}-app"].pid, cluster.processes[f"{host}-pgbouncer"].pid]

    def fault(load, at):
        for group in groups:
            os.killpg(group, signal.SIGSTOP)
        wait_until(lambda: cluster.server_status(host).startswith("DOWN"), 10,
                   f"HAProxy to take the hung {host} out")
        out = time.monotonic() - at
        time.sleep(2)
        resumed = time.monotonic()
        for group in groups:
            os.killpg(group, signal.SIGCONT)
        wait_until(lambda: cluster.server_status(host) == "UP", 15, f"{host} back")
        return {"out": out, "back": time.monotonic() - resumed,
                "in_flight": [r for r in load.results if at <= r.sent < at + out
                              and r.done - r.sent > 0.5]}

    load, at, notes, figures = under_load(cluster, "fh", fault)
    held = notes["in_flight"]
    print(f"\nscaleout fault {host} hung (SIGSTOP) for {notes['out'] + 2:.1f} s: out of rotation "
          f"{notes['out']:.2f} s after, back {notes['back']:.2f} s after SIGCONT; "
          f"{len(held)} requests held over 0.5 s by it "
          f"(slowest {max((r.done - r.sent for r in held), default=0):.2f} s); {figures.line()}")
    assert notes["out"] < HUNG_OUT_OF_ROTATION_S
    assert notes["back"] < RESUMED_BACK_S
    assert_decisions_held(figures)


def test_the_active_haproxy_killed(cluster):
    """SIGKILL to the HAProxy holding the virtual address: keepalived's check of it fails,
    its VRRP instance goes to FAULT and the other balancer takes the address."""
    active = cluster.active_lb()
    other = next(lb for lb in LB_HOSTS if lb != active)

    def fault(load, at):
        cluster.kill(f"{active}-haproxy")
        wait_until(lambda: cluster.active_lb() == other, 15,
                   f"keepalived to move the address to {other}")
        moved = time.monotonic() - at
        time.sleep(1)
        cluster.start_haproxy(active)
        wait_until(lambda: cluster.backend_up(active, "app") == len(APP_HOSTS), 15,
                   f"the restarted HAProxy on {active} to see the app hosts")
        return {"moved": moved}

    load, at, notes, figures = under_load(cluster, "fl", fault)
    failed = load.failed(at)
    print(f"\nscaleout fault the active HAProxy ({active}) killed: the address on {other} "
          f"{notes['moved']:.2f} s after; "
          f"{len(failed)} requests failed, the last sent "
          f"{max((r.sent - at for r in failed), default=0):.2f} s after the kill "
          f"({sorted({r.detail[:30] for r in failed})[:3]}); {figures.line()}; "
          f"the address stays on {cluster.active_lb()} (nopreempt)")
    assert cluster.active_lb() == other
    # keepalived checks HAProxy once a second (its smallest interval, and track_process
    # does not work in a network namespace): the address moves up to that second plus
    # the takeover after the kill, so decisions may fail until then, not after it.
    assert notes["moved"] < BALANCER_MOVED_S
    settled = at + notes["moved"] + BALANCER_SETTLE_S
    late = load.failed(settled, kinds=("decision",))
    assert late == [], late[:5]
    assert figures.decision_p99_ms < DECISION_P99_MS + DECISION_P99_SLACK_MS
    assert figures.missing == set()


def etcd_leader(cluster) -> str | None:
    """The etcd member that is raft leader (etcd's v3 JSON gateway, maintenance status);
    None while they elect one."""
    for host in ETCD_HOSTS:
        try:
            status = httpx.post(f"http://{cluster.address[host]}:2379/v3/maintenance/status",
                                json={}, timeout=1).json()
        except (httpx.TransportError, ValueError):
            continue
        if status.get("leader") == status.get("header", {}).get("member_id"):
            return host
    return None


def test_one_etcd_member_lost(cluster):
    """The etcd leader SIGKILLed: the other two elect a leader and keep a quorum; Patroni's
    clients move to them; nothing fails over."""
    victim, leader = etcd_leader(cluster), cluster.leader()
    assert victim is not None

    def fault(load, at):
        cluster.kill(victim)
        new = wait_until(lambda: (member := etcd_leader(cluster)) not in (None, victim)
                         and member, 10, "etcd to elect a new leader")
        elected = time.monotonic() - at
        # Long enough for every Patroni to renew its key at least once without the member.
        time.sleep(3)
        cluster.start_etcd(victim)
        wait_until(lambda: cluster.etcd_healthy(victim), 20, f"{victim} to rejoin")
        return {"elected": elected, "new": new}

    load, at, notes, figures = under_load(cluster, "fe", fault)
    print(f"\nscaleout fault etcd member {victim} (the etcd leader) killed: {notes['new']} led "
          f"etcd {notes['elected']:.2f} s after; the primary {leader} before, "
          f"{cluster.leader()} after; {figures.line()}")
    assert cluster.leader() == leader
    assert figures.writes_refused == 0
    assert_decisions_held(figures)


# -- the database nodes -------------------------------------------------------------------


def failover(cluster, load, at, old: str, bound: float) -> dict:
    """Until Patroni has a new primary, HAProxy's writer sends to it and a write is
    acknowledged there."""
    new = wait_until(lambda: (leader := cluster.leader()) not in (None, old) and leader,
                     bound + 15, "Patroni to elect a new primary", interval=0.1)
    elected = time.monotonic() - at
    wait_until(lambda: cluster.writer() == [new], 15, "HAProxy's writer to be the new primary")
    routed = time.monotonic()
    wait_until(lambda: writes_acknowledged_since(load, routed), 15, "writes to succeed again")
    return {"new": new, "elected": elected}


def test_the_primarys_postgres_killed(cluster):
    """SIGKILL to the primary's postmaster, Patroni alive beside it (`master_start_timeout:
    0`): it fails over instead of restarting PostgreSQL in place."""
    old, standby = cluster.leader(), cluster.sync_standby()

    def fault(load, at):
        cluster.kill_postgres(old)
        return failover(cluster, load, at, old, KILLED_PRIMARY_WRITES_BACK_S)

    load, at, notes, figures = under_load(cluster, "fk", fault)
    roles = cluster.wait_databases()
    print(f"\nscaleout fault the primary's PostgreSQL ({old}) SIGKILLed: Patroni elected "
          f"{notes['new']} (the synchronous standby was {standby}) {notes['elected']:.2f} s "
          f"after; {figures.line()}; {old} back as {roles[old][0]}")
    assert notes["new"] == standby
    assert figures.writes_back_after < KILLED_PRIMARY_WRITES_BACK_S
    assert_decisions_held(figures)


def test_the_synchronous_standby_lost(cluster):
    """The synchronous standby's host dies (Patroni and PostgreSQL SIGKILLed): commits on the
    primary wait for a standby until Patroni names the other one synchronous."""
    leader, victim = cluster.leader(), cluster.sync_standby()

    def fault(load, at):
        pid = cluster.postmaster_pid(victim)
        cluster.kill(f"{victim}-patroni")
        os.kill(pid, signal.SIGKILL)
        replacement = wait_until(lambda: (sync := cluster.sync_standby()) not in (None, victim)
                                 and sync, 30, "Patroni to name another synchronous standby")
        named = time.monotonic() - at
        time.sleep(1)
        cluster.start_patroni(victim)
        return {"named": named, "replacement": replacement}

    load, at, notes, figures = under_load(cluster, "fs", fault)
    roles = cluster.wait_databases()
    slowest_write = max((r.done - r.sent for r in load.results
                         if r.kind == "write" and r.sent >= at), default=0)
    print(f"\nscaleout fault the synchronous standby ({victim}) lost: Patroni named "
          f"{notes['replacement']} synchronous {notes['named']:.2f} s after; slowest write "
          f"{slowest_write:.2f} s; {figures.line()}; the primary {leader} before, "
          f"{cluster.leader()} after; {victim} back as {roles[victim][0]}")
    assert cluster.leader() == leader
    assert_decisions_held(figures)


# Who the primary is cut off from when it is partitioned from the app side: the balancers
# (the app hosts reach it only through them), the app hosts, and the tests' own host.
APP_SIDE = (*LB_HOSTS, *APP_HOSTS, "root")


def test_the_primary_partitioned_from_the_app_side_not_from_etcd(cluster):
    """DROP between the primary and the balancers and app hosts, for 4 s; it still reaches
    etcd and the standbys. Patroni sees a healthy leader and keeps it (it knows nothing of
    the clients' side); HAProxy finds no /primary, so writes are refused (fast, 503) until
    the partition heals, while the decisions come from the standbys."""
    leader = cluster.leader()

    def fault(load, at):
        cluster.black_hole(leader, APP_SIDE)
        wait_until(lambda: cluster.writer() == [], 10, "HAProxy to lose the writer")
        lost = time.monotonic() - at
        time.sleep(4 - lost)
        healed = time.monotonic()
        cluster.heal(leader)
        wait_until(lambda: cluster.writer() == [leader], 10, "the writer back")
        routed = time.monotonic()
        wait_until(lambda: writes_acknowledged_since(load, routed), 10, "writes to succeed again")
        return {"lost": lost, "healed": healed - at, "back": time.monotonic() - healed}

    load, at, notes, figures = under_load(cluster, "fp", fault)
    refused = load.failed(at + 1, at + notes["healed"], ("write",))
    print(f"\nscaleout fault the primary ({leader}) partitioned from the balancers and app "
          f"hosts, not from etcd, for {notes['healed']:.1f} s: HAProxy's writer empty "
          f"{notes['lost']:.2f} s after, writes refused until the heal "
          f"(statuses {sorted({r.status for r in refused}, key=str)}, slowest "
          f"{max((r.done - r.sent for r in refused), default=0):.2f} s), accepted again "
          f"{notes['back']:.2f} s after it; the primary {leader} before, {cluster.leader()} "
          f"after; {figures.line()}")
    assert cluster.leader() == leader
    # Refused as the outage it is, fast, never a hang: the app's 503 (HAProxy's L7
    # retries, there for the reads, turn one now and then into a 502 with the app's body,
    # or cut it: see docs/scaling-out.md).
    assert refused and all(r.status in (502, 503, None) for r in refused), refused[:3]
    assert sum(r.status == 503 for r in refused) > len(refused) / 2
    assert max(r.done - r.sent for r in refused) < 3
    assert_decisions_held(figures)


def test_the_primarys_host_black_holed(cluster):
    """DROP everything in and out of the primary's namespace: silent, not refusing. Its key
    in etcd lives on for `ttl`; after `retry_timeout` without etcd it demotes itself, so it
    takes no write once the standby is promoted."""
    old, standby = cluster.leader(), cluster.sync_standby()

    def fault(load, at):
        cluster.black_hole(old)
        notes = failover(cluster, load, at, old, SILENT_PRIMARY_WRITES_BACK_S)
        time.sleep(1)
        cluster.heal(old)
        return notes

    load, at, notes, figures = under_load(cluster, "fx", fault)
    roles = cluster.wait_databases(120)
    print(f"\nscaleout fault the primary's host ({old}) black-holed (ttl {PATRONI_TTL} s): Patroni "
          f"elected {notes['new']} (the synchronous standby was {standby}) "
          f"{notes['elected']:.2f} s after; {figures.line()}; {old} back as {roles[old][0]}")
    assert notes["new"] == standby
    assert figures.writes_back_after < SILENT_PRIMARY_WRITES_BACK_S
    assert_decisions_held(figures)


# -- every database at once ---------------------------------------------------------------

# Shorter than Patroni's retry_timeout, so that the primary keeps its role through it.
ALL_DATABASES_SILENT_S = 6
REFUSED_WITHIN_S, NORMAL_AGAIN_S = 1, 2
# Slack on both bounds for a loaded 2-core machine; the measured figures are printed.
ALL_DATABASES_SLACK_S = 1.5


def test_every_database_black_holed(cluster):
    """Every database host silent at once: each worker answers the decisions it answered
    in the last hour from its memory (marked Cache-Stale), every other request is a 503
    within its bounded waits, and all is normal again soon after the databases return."""
    healed = {}

    def fault(load, at):
        for host in DB_HOSTS:
            cluster.black_hole(host)
        healed["silent"] = time.monotonic()  # requests sent from here on meet silence
        time.sleep(ALL_DATABASES_SILENT_S)
        for host in DB_HOSTS:
            cluster.heal(host)
        healed["at"] = time.monotonic()
        return {}

    # A warm-up long enough for every worker to have answered the seeded number's decision.
    with Load(cluster.url, "fb", writers=2, readers=4, reads=("decision", "get_entry")) as load:
        time.sleep(3)
        at = time.monotonic()
        fault(load, at)
        time.sleep(NORMAL_AGAIN_S + ALL_DATABASES_SLACK_S + 2)
    during = [r for r in load.results if healed["silent"] <= r.sent < healed["at"]]
    ages = sorted(int(r.stale) for r in load.results if r.stale and r.stale.isdigit()
                  and healed["silent"] <= r.sent < healed["at"])
    remembered = [r for r in during if r.kind == "decision" and r.status == 200 and r.stale]
    decisions_failed = [r for r in during if r.kind == "decision" and r.status != 200
                        and r.sent >= at + 1]
    others = [r for r in during if r.kind != "decision"]
    others_answered = [r for r in others if r.status == 200]
    slowest_refusal = max((r.done - r.sent for r in others if r.status != 200), default=0.0)
    abnormal = [r for r in load.results if r.sent >= healed["at"]
                and (r.status != 200 or (r.kind == "decision" and r.stale))]
    normal_after = max((r.done for r in abnormal), default=healed["at"]) - healed["at"]
    missing = load.acknowledged() - stored_numbers(cluster, load.prefix)
    roles = cluster.wait_databases(120)
    print(f"\nscaleout fault every database black-holed for {ALL_DATABASES_SILENT_S} s: "
          f"{len(remembered)} decisions answered from the workers' memory "
          f"(Cache-Stale {ages[:1]}..{ages[-1:]} s), "
          f"{len(decisions_failed)} decisions failed after the first second; "
          f"{len(others)} other requests: {len(others) - len(others_answered)} refused "
          f"({sorted({r.status for r in others}, key=str)}), the slowest refusal "
          f"{slowest_refusal:.2f} s; normal again {normal_after:.2f} s after the databases' "
          f"return ({len(abnormal)} requests not normal after it); {len(missing)} acknowledged "
          f"writes missing; leader after it {[h for h, r in roles.items() if r[0] == 'leader']}")
    assert remembered
    assert decisions_failed == [], [(r.status, r.detail[:80]) for r in decisions_failed[:5]]
    assert others and not others_answered
    assert slowest_refusal < REFUSED_WITHIN_S + ALL_DATABASES_SLACK_S
    assert normal_after < NORMAL_AGAIN_S + ALL_DATABASES_SLACK_S
    assert missing == set()


# -- the session's writes -----------------------------------------------------------------


def test_every_acknowledged_write_of_the_session_is_on_every_node(cluster):
    """After every fault and failover: each write any load saw acknowledged, on the primary
    and on both standbys (once they have replayed it)."""
    query = f"SELECT number FROM ivr_fallback WHERE domain = '{DOMAIN}'"
    leader = cluster.leader()
    missing = {}
    for host in DB_HOSTS:
        try:
            wait_until(lambda: set(cluster.psql(host, query).split()) >= ACKNOWLEDGED, 10,
                       f"{host} to have every acknowledged write")
        except ClusterError:
            pass  # counted below
        missing[host] = len(ACKNOWLEDGED - set(cluster.psql(host, query).split()))
    lost = ACKNOWLEDGED - set(cluster.psql(leader, query).split())
    print(f"\nscaleout session: {len(ACKNOWLEDGED)} writes acknowledged over every phase, "
          f"missing per node {missing} (primary {leader}; the primary's missing ones "
          f"{sorted(lost)[:5]}..{sorted(lost)[-5:]})")
    assert ACKNOWLEDGED
    assert all(count == 0 for count in missing.values()), missing
