"""The supervised pipeline: live sources never lag, files lose nothing, dead stages restart."""

import asyncio
import time

import numpy as np

from pipeline.sources import ArraySource
from pipeline.supervisor import Pipeline
from pipeline.synth import render_page

from .conftest import written


def pages(book, n=3):
    rng = np.random.default_rng(0)
    return [render_page([written(c.phone)], rng)[0] for c in book.contacts[:n]]


async def test_file_source_loses_no_frame(classifier, book):
    frames = pages(book, 3) * 4
    pipeline = Pipeline(ArraySource(frames), classifier, book)
    results = [r async for r in pipeline.results()]
    assert [r.reading.frame.seq for r in results] == list(range(12))
    assert sum(s.dropped for s in pipeline.stats().values()) == 0


async def test_slow_stage_drops_stale_frames_instead_of_lagging(classifier, book):
    source = ArraySource(pages(book, 1), fps=60)
    pipeline = Pipeline(source, classifier, book)
    stage = pipeline.stages[2]
    real = stage.handle

    def slow(item):  # a classifier five times slower than the camera
        time.sleep(0.08)
        return real(item)

    stage.handle = slow
    lags, started = [], time.perf_counter()
    async for result in pipeline.results():
        lags.append(time.perf_counter() - result.reading.frame.t_capture)
        if time.perf_counter() - started > 1.5:
            break
    assert pipeline.stats()["classify"].dropped > 20
    assert max(lags[2:]) < 0.35  # never more than the slow stage's own work behind


async def test_a_dead_stage_is_restarted(classifier, book):
    frames = pages(book, 2) * 3
    pipeline = Pipeline(ArraySource(frames), classifier, book)
    stage = pipeline.stages[1]
    real_run, deaths = stage.run, []

    async def run_once_broken():
        if not deaths:
            deaths.append(1)
            raise RuntimeError("a bug in a stage")
        await real_run()

    stage.run = run_once_broken
    results = await asyncio.wait_for(_collect(pipeline), 20)
    assert deaths == [1] and len(results) == len(frames)
    assert results[-1].reading.best is not None


async def _collect(pipeline):
    return [r async for r in pipeline.results()]


async def test_pause_stops_taking_frames(classifier, book):
    source = ArraySource(pages(book, 1), fps=30)
    pipeline = Pipeline(source, classifier, book)
    results = pipeline.results()
    await anext(results)
    pipeline.pause()
    await asyncio.sleep(0.3)
    taken = pipeline.frames
    await asyncio.sleep(0.5)
    assert pipeline.frames == taken
    pipeline.resume()
    await anext(results)
    await asyncio.sleep(0.3)
    assert pipeline.frames > taken
    await results.aclose()
