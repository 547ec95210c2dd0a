"""What the pipeline stored, read back from PostgreSQL for the chaos suite's accounting: per machine the batches
(`batches_seen`), their ticks and samples. Each figure that is compared with another comes from one statement,
so a batch committed meanwhile cannot look like a loss or a duplicate."""
from fleetwatch_harness import psql, psql_scalar


def loadgen_accounting(db, since_ms):
    """Per simulated machine: batches stored (batches_seen), the highest sequence, ticks stored since the run
    began, and samples per tick — the raw figures of lost, duplicated and incomplete."""
    # One statement, one snapshot: a batch committed between two queries would look like a duplicate.
    rows = psql(db, f"""
        with b as (select machine_id, count(*) as c, max(sequence) as mx from batches_seen
                   where machine_id like 'sim-%' group by machine_id),
             t as (select machine_id, count(*) as n from ticks where machine_id like 'sim-%'
                   and ts >= to_timestamp({since_ms / 1000.0}) group by machine_id)
        select machine_id, coalesce(b.c, 0), coalesce(b.mx, 0), coalesce(t.n, 0) from b full join t using (machine_id)""")
    batches = {m: (int(c), int(mx)) for m, c, mx, _ in rows}
    ticks = {m: int(n) for m, _, _, n in rows}
    per_tick = [int(c) for (c,) in psql(
        db, f"select count(*) from sample_rows where machine_id like 'sim-%' "
            f"and ts >= to_timestamp({since_ms / 1000.0}) group by machine_id, ts")]
    return batches, ticks, per_tick


def collector_accounting(db, machine):
    """(stored sequences in order, stored ticks) of a collector's machine, from one snapshot."""
    rows = psql(db, f"select sequence, (select count(*) from ticks where machine_id = '{machine}') "
                    f"from batches_seen where machine_id = '{machine}' order by sequence")
    return [int(s) for s, _ in rows], (int(rows[0][1]) if rows else 0)


def stored_after(db, epoch_s):
    """A batch created after `epoch_s` is stored (its tick's timestamp is the collection time)."""
    return psql_scalar(db, f"select count(*) from (select 1 from ticks where ts > to_timestamp({epoch_s}) "
                           "limit 1) x") > 0
