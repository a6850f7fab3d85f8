//! Exercises in the page: the pack, the live checklist, hints, solution and saved progress.
