import asyncio

import pytest

from pipeline.actor import END, Mailbox, Stage


async def test_live_mailbox_drops_oldest_and_counts():
    box = Mailbox(maxsize=2)
    for i in range(5):
        await box.put(i)
    assert box.dropped == 3
    assert [await box.get(), await box.get()] == [3, 4]


async def test_lossless_mailbox_makes_sender_wait():
    box = Mailbox(maxsize=1, lossless=True)
    await box.put(1)
    blocked = asyncio.create_task(box.put(2))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    assert await box.get() == 1
    await asyncio.wait_for(blocked, 1)
    assert await box.get() == 2 and box.dropped == 0


async def test_stage_survives_a_failing_item_and_forwards_end():
    def handle(x):
        if x == 2:
            raise ValueError("bad frame")
        return x * 10

    stage = Stage("times10", handle, lossless=True)
    stage.outbox = Mailbox(maxsize=10, lossless=True)
    task = asyncio.create_task(stage.run())
    for item in (1, 2, 3, END):
        await stage.inbox.put(item)
    await asyncio.wait_for(task, 2)
    out = [await stage.outbox.get() for _ in range(3)]
    assert out == [10, 30, END]
    stats = stage.stats()
    assert (stats.handled, stats.errors) == (2, 1)


@pytest.mark.parametrize("threaded", [True, False])
async def test_stage_reports_latency(threaded):
    stage = Stage("slow", lambda x: x, threaded=threaded, lossless=True)
    task = asyncio.create_task(stage.run())
    await stage.inbox.put(1)
    await stage.inbox.put(END)
    await asyncio.wait_for(task, 2)
    assert stage.stats().handled == 1 and stage.stats().median_ms >= 0
