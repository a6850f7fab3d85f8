//! The exercise tab (instructions, the live checklist, hints, the solution, progress) and
//! the strip above the editor that keeps the exercise and its score in view.

use std::rc::Rc;

use stagecraft_exercises::{render_markdown_blocks, Exercise, Grade};
use yew::prelude::*;

use super::markdown;
use super::progress;
use super::session::{ExerciseAction, Session};
use crate::dom;
use crate::state::{Action, Panel, Shared};

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub session: Session,
    pub view: Shared,
    pub stale: bool,
    pub dispatch: Callback<Action>,
}

/// An inline "are you sure": works in sandboxed iframes, where `confirm()` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    RevealSolution,
    ResetProgress,
}

fn act(dispatch: &Callback<Action>, action: ExerciseAction) -> Callback<MouseEvent> {
    let dispatch = dispatch.clone();
    Callback::from(move |_: MouseEvent| dispatch.emit(Action::Exercise(action.clone())))
}

#[function_component]
pub fn ExercisePanel(props: &PanelProps) -> Html {
    let confirming = use_state(|| None::<Confirm>);
    let copied = use_state(|| false);
    let session = &props.session;
    let exercise = session.exercise().cloned();
    // Instructions are parsed once per exercise, not per keystroke.
    let instructions = use_memo(exercise.as_ref().map(|e| Rc::as_ptr(e) as usize), |_| {
        exercise
            .as_ref()
            .map(|e| render_markdown_blocks(&e.instructions))
            .unwrap_or_default()
    });
    {
        let confirming = confirming.clone();
        let copied = copied.clone();
        use_effect_with(session.index, move |_| {
            confirming.set(None);
            copied.set(false);
        });
    }
    let Some(exercise) = exercise else {
        return html! { <p class="empty">{ "This pack has no exercises." }</p> };
    };
    let saved = session
        .progress
        .get(&exercise.id)
        .cloned()
        .unwrap_or_default();
    let grade = props.view.grade.as_ref();
    let count = session.pack.exercises.len();
    let done = session
        .pack
        .exercises
        .iter()
        .filter(|e| session.progress.passed(&e.id))
        .count();

    let ask = |what: Confirm| {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(Some(what)))
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(None))
    };
    let confirmed = |action: ExerciseAction| {
        let confirming = confirming.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            confirming.set(None);
            dispatch.emit(Action::Exercise(action.clone()));
        })
    };
    let export = {
        let progress = session.progress.clone();
        Callback::from(move |_: MouseEvent| {
            dom::download(
                &format!("stagecraft-progress-{}.json", progress.pack),
                "application/json",
                &progress::export(&progress),
            );
        })
    };
    let copy = {
        let solution = exercise.solution.clone().unwrap_or_default();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| copied.set(dom::copy_to_clipboard(&solution)))
    };
    let select = |index: usize| act(&props.dispatch, ExerciseAction::Select(index));
    let next = (session.index + 1 < count).then(|| session.index + 1);
    let previous = session.index.checked_sub(1);

    html! {
        <div class="exercise-panel" data-exercise={exercise.id.clone()}>
            <nav class="exercise-nav" aria-label="Exercises in this pack">
                <button type="button" class="tool-button" disabled={previous.is_none()}
                    onclick={select(previous.unwrap_or(0))} aria-label="Previous exercise">{ "‹ Prev" }</button>
                <span class="exercise-count">
                    { format!("{} of {count}", session.index + 1) }
                    <span class="muted">{ format!(" · {done} done") }</span>
                </span>
                <button type="button" class="tool-button" disabled={next.is_none()}
                    onclick={select(next.unwrap_or(0))} aria-label="Next exercise">{ "Next ›" }</button>
            </nav>
            <details class="exercise-list">
                <summary>{ format!("{}: all exercises", session.pack.title) }</summary>
                <ol>
                    { for session.pack.exercises.iter().enumerate().map(|(i, e)| {
                        let passed = session.progress.passed(&e.id);
                        html! {
                            <li>
                                <button type="button" class={classes!("exercise-item", passed.then_some("passed"))}
                                    aria-current={(i == session.index).then_some("true")}
                                    data-passed={passed.to_string()} onclick={select(i)}>
                                    <span class="tick" aria-hidden="true">{ if passed { "✓".to_owned() } else { format!("{}.", i + 1) } }</span>
                                    <span>{ &e.title }</span>
                                    if passed { <span class="visually-hidden">{ " (passed)" }</span> }
                                </button>
                            </li>
                        }
                    }) }
                </ol>
            </details>
            if let Some(notice) = &session.notice {
                <p class="exercise-notice" role="status">{ notice }</p>
            }
            <h3 class="exercise-title">{ &exercise.title }</h3>
            <div class="exercise-instructions">{ markdown::blocks(&instructions) }</div>

            <section class={classes!("checklist-section", props.stale.then_some("stale"))} aria-label="Checks">
                { verdict(grade, props.stale, next, &props.dispatch) }
                { checklist(&exercise, grade, &props.dispatch) }
            </section>

            if let Some(attempt) = &saved.set_aside {
                <div class="attempt-kept">
                    <span>{ format!("Your attempt ({} lines) is kept.", crate::state::line_count(attempt.trim_end())) }</span>
                    <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::BackToAttempt)}>
                        { "Back to my attempt" }
                    </button>
                </div>
            }

            if !exercise.hints.is_empty() {
                <section class="exercise-hints" aria-label="Hints">
                    <h4>{ "Hints" }</h4>
                    if saved.hints > 0 {
                        <ol>
                            { for exercise.hints.iter().take(saved.hints).map(|hint| html! {
                                <li>{ markdown::blocks(&render_markdown_blocks(hint)) }</li>
                            }) }
                        </ol>
                    }
                    if saved.hints < exercise.hints.len() {
                        <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::ShowHint)}>
                            { if saved.hints == 0 { "Show a hint".to_owned() } else { "Show another hint".to_owned() } }
                            <span class="muted">{ format!(" ({} of {})", saved.hints + 1, exercise.hints.len()) }</span>
                        </button>
                    } else {
                        <p class="small muted">{ "That is every hint." }</p>
                    }
                </section>
            }

            if let Some(solution) = &exercise.solution {
                <section class="exercise-solution" aria-label="Solution">
                    if session.solution_open {
                        <h4>{ "Solution" }</h4>
                        <pre class="solution-text" tabindex="0" aria-label="The solution (read-only)"><code>{ solution }</code></pre>
                        <div class="exercise-actions">
                            <button type="button" class="tool-button" onclick={copy}>
                                { if *copied { "Copied" } else { "Copy" } }
                            </button>
                            <button type="button" class="tool-button primary" onclick={act(&props.dispatch, ExerciseAction::UseSolution)}>
                                { "Use this solution" }
                            </button>
                            <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::ShowSolution(false))}>
                                { "Hide solution" }
                            </button>
                        </div>
                        <p class="small muted">{ "Using it keeps your attempt: “Back to my attempt” brings it back." }</p>
                    } else if *confirming == Some(Confirm::RevealSolution) {
                        <div class="confirm" role="group" aria-label="Reveal the solution?">
                            <span>{ "Reveal the solution? Trying the hints first teaches more." }</span>
                            <button type="button" class="tool-button primary" onclick={confirmed(ExerciseAction::ShowSolution(true))}>
                                { "Reveal" }
                            </button>
                            <button type="button" class="tool-button" onclick={cancel.clone()}>{ "Cancel" }</button>
                        </div>
                    } else {
                        <button type="button" class="tool-button" onclick={ask(Confirm::RevealSolution)}>
                            { if saved.solution_seen { "Show the solution again" } else { "Reveal solution" } }
                        </button>
                    }
                </section>
            }

            <div class="exercise-actions exercise-footer">
                <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::ResetToStarter)}>
                    { "Reset to starter" }
                </button>
                <button type="button" class="tool-button" onclick={export}>{ "Export progress" }</button>
                if *confirming == Some(Confirm::ResetProgress) {
                    <span class="confirm" role="group" aria-label="Reset progress?">
                        <span>{ format!("Forget every attempt, hint and tick in “{}”?", session.pack.title) }</span>
                        <button type="button" class="tool-button danger" onclick={confirmed(ExerciseAction::ResetProgress)}>
                            { "Reset progress" }
                        </button>
                        <button type="button" class="tool-button" onclick={cancel}>{ "Cancel" }</button>
                    </span>
                } else {
                    <button type="button" class="tool-button" onclick={ask(Confirm::ResetProgress)}>{ "Reset progress…" }</button>
                }
                <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::Leave)}>
                    { "Leave exercise" }
                </button>
            </div>
        </div>
    }
}

/// The overall state: all green with a way on, or how many checks pass.
fn verdict(
    grade: Option<&Grade>,
    stale: bool,
    next: Option<usize>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(grade) = grade else {
        return html! {
            <p class="exercise-verdict pending" role="status">
                { "This Dockerfile is too long to simulate, so it cannot be graded." }
            </p>
        };
    };
    let total = grade.results.len();
    let passing = grade.results.iter().filter(|r| r.passed).count();
    if grade.passed {
        html! {
            <div class="exercise-success" role="status" data-all-pass={(!stale).to_string()}>
                <span class="success-mark" aria-hidden="true">{ "✓" }</span>
                <div>
                    <strong>{ "All checks pass." }</strong>
                    <span>{ " Well done: this Dockerfile meets every goal of the exercise." }</span>
                    if next.is_none() {
                        <span class="last-note">{ "That was the last exercise of this pack." }</span>
                    }
                </div>
                if let Some(next) = next {
                    <button type="button" class="tool-button primary" onclick={act(dispatch, ExerciseAction::Select(next))}>
                        { "Next exercise ›" }
                    </button>
                }
            </div>
        }
    } else {
        html! {
            <p class="exercise-verdict pending" role="status">
                { format!("{passing} of {total} checks pass") }
                <span class="muted">{ if stale { " · checking…" } else { " · updates as you type" } }</span>
            </p>
        }
    }
}

fn checklist(exercise: &Exercise, grade: Option<&Grade>, dispatch: &Callback<Action>) -> Html {
    // Before the first grade, the checks are listed without a verdict.
    let Some(grade) = grade else {
        return html! {
            <ul class="checklist">
                { for exercise.checks.iter().map(|c| html! {
                    <li class="check" data-check-kind={c.check.kind().as_str()}>
                        <span class="check-mark" aria-hidden="true">{ "·" }</span>
                        <span class="check-label">{ &c.label }</span>
                    </li>
                }) }
            </ul>
        };
    };
    html! {
        <ul class="checklist">
            { for grade.results.iter().map(|result| {
                let show = result.range.map(|range| {
                    let dispatch = dispatch.clone();
                    Callback::from(move |_: MouseEvent| dispatch.emit(Action::JumpTo(range)))
                });
                html! {
                    <li class={classes!("check", if result.passed { "pass" } else { "fail" })}
                        data-check-kind={result.kind.as_str()} data-passed={result.passed.to_string()}>
                        <span class="check-mark" aria-hidden="true">{ if result.passed { "✓" } else { "✗" } }</span>
                        <div class="check-body">
                            <span class="check-label">{ &result.label }</span>
                            <span class="visually-hidden">{ if result.passed { ": passes" } else { ": fails" } }</span>
                            if !result.detail.is_empty() {
                                <span class="check-detail">{ &result.detail }</span>
                            }
                        </div>
                        if let Some(show) = show {
                            <button type="button" class="link-button" onclick={show}>{ "Show in editor" }</button>
                        }
                    </li>
                }
            }) }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct BarProps {
    pub session: Session,
    pub view: Shared,
    pub stale: bool,
    pub panel: Panel,
    pub dispatch: Callback<Action>,
}

/// The strip above the editor: which exercise, the score, the way to the checklist (on a
/// narrow screen the tabs are far below) and out.
#[function_component]
pub fn ExerciseBar(props: &BarProps) -> Html {
    let Some(exercise) = props.session.exercise() else {
        return Html::default();
    };
    let score = props.view.grade.as_ref().map(|g| {
        let passing = g.results.iter().filter(|r| r.passed).count();
        (passing, g.results.len(), g.passed)
    });
    let to_panel = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Action::SelectPanel(Panel::Exercise));
            if let Some(panel) = dom::document().and_then(|d| d.get_element_by_id("panel-exercise"))
            {
                panel.scroll_into_view();
            }
        })
    };
    html! {
        <div class="exercise-bar" role="region" aria-label="Exercise">
            <span class="exercise-bar-title">
                <span class="muted">{ "Exercise: " }</span>{ &exercise.title }
            </span>
            if let Some((passing, total, passed)) = score {
                <span class={classes!("score", passed.then_some("ok"), props.stale.then_some("stale"))} data-score={format!("{passing}/{total}")}>
                    { if passed { format!("✓ {passing}/{total} checks") } else { format!("{passing}/{total} checks") } }
                </span>
            }
            <button type="button" class="tool-button" onclick={to_panel}>{ "Checklist" }</button>
            <button type="button" class="tool-button" onclick={act(&props.dispatch, ExerciseAction::Leave)}>{ "Leave" }</button>
        </div>
    }
}
