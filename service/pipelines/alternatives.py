"""Alternative translations: the k-th of every part's n-best, put together as the best one is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from service.pipelines import fit
from service.pipelines.assemble import Job, Markers, Translation, render_job

Tables = dict[tuple[str, str], dict[str, fit.Output]]


def nth_tables(outputs: Tables, count: int) -> list[Tables]:
    """For k = 1..count, every part's k-th alternative (its best when it has fewer)."""
    return [
        {
            direction: {
                part: fit.Output(out.alternatives[k] if len(out.alternatives) > k else out.text)
                for part, out in table.items()
            }
            for direction, table in outputs.items()
        }
        for k in range(1, count + 1)
    ]


def attach(
    jobs: Sequence[Job],
    translations: list[Translation],
    outputs: Tables,
    render: tuple[dict[tuple[str, str], str], Markers, bool, str],
    count: int,
) -> list[Translation]:
    """Each plain-text translation with up to `count` distinct alternatives; HTML gets none
    (its tags would be put back `count` more times for little use, as LibreTranslate does)."""
    if not count:
        return translations
    models, markers, polish, digits = render
    tables = nth_tables(outputs, count)
    found: list[Translation] = []
    for job, best in zip(jobs, translations, strict=True):
        if job.untranslated or job.document is not None:
            found.append(best)
            continue
        others: list[str] = []
        for table in tables:
            text = render_job(job, table, models, markers, polish, digits).text
            if text != best.text and text not in others:
                others.append(text)
        found.append(replace(best, alternatives=tuple(others)))
    return found
