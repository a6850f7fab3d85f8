//! Workshop exercises in the page: a pack (the built-in one, one fetched from `?pack=<url>`
//! or one picked from files) opens an exercise whose checks the core grades on every edit
//! from the page's own simulation; progress is saved per pack in localStorage. While an
//! exercise is open the editor holds the attempt and the playground's own Dockerfile
//! waits, unsaved-over, until the learner leaves.

pub mod address;
pub mod load;
pub mod markdown;
pub mod panel;
pub mod picker;
pub mod progress;
pub mod session;
#[cfg(test)]
mod tests;

use std::rc::Rc;

use yew::prelude::*;

pub use panel::{ExerciseBar, ExercisePanel};
pub use picker::{ExercisePicker, LoadStatus};
pub use session::{
    drop_session, reduce, ExerciseAction, ExerciseRef, ExerciseState, LoadFailure, LoadedPack,
    Outcome, PackRef, PackSource, Problem,
};

use crate::dom;
use crate::state::{Action, AppState};

thread_local! {
    /// The shipped pack, parsed once: its exercises keep one identity for the page's life.
    static BUILTIN: Rc<LoadedPack> = Rc::new(LoadedPack::new(
        stagecraft_exercises::builtin_pack(),
        PackSource::Builtin,
    ));
}

pub fn builtin() -> Rc<LoadedPack> {
    BUILTIN.with(Rc::clone)
}

/// The action that opens a loaded pack, with what storage holds for it.
pub fn open_action(pack: Rc<LoadedPack>, exercise: Option<String>) -> ExerciseAction {
    let saved = progress::load(&pack.id);
    ExerciseAction::Open {
        pack: PackRef(pack),
        exercise,
        saved,
    }
}

/// Announces a load, and returns what its end must dispatch: a later load, an opened
/// exercise or Cancel makes a late answer a no-op.
fn start_loading(dispatch: &Callback<Action>, what: String) -> impl Fn(ExerciseAction) {
    dispatch.emit(Action::Exercise(ExerciseAction::Loading(what.clone())));
    let dispatch = dispatch.clone();
    move |then| {
        dispatch.emit(Action::Exercise(ExerciseAction::Settled {
            loading: what.clone(),
            then: Box::new(then),
        }))
    }
}

/// Opens the built-in pack at `exercise` (else where the learner left it).
pub fn open_builtin(dispatch: &Callback<Action>, exercise: Option<&str>) {
    let pack = builtin();
    if let Some(id) = exercise.filter(|id| pack.position(id).is_none()) {
        dispatch.emit(Action::Exercise(ExerciseAction::Failed(LoadFailure {
            source: "the built-in exercises".to_owned(),
            problems: vec![Problem {
                file: None,
                at: None,
                message: format!(
                    "there is no exercise `{id}`; the built-in ones are {}",
                    pack.exercises
                        .iter()
                        .map(|e| e.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }],
        })));
        return;
    }
    dispatch.emit(Action::Exercise(open_action(
        pack,
        exercise.map(str::to_owned),
    )));
}

/// Fetches a pack from `url` (relative to the page) and opens it.
pub fn open_pack_url(dispatch: &Callback<Action>, url: &str, exercise: Option<String>) {
    let page = dom::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let absolute = match address::resolve(&page, url) {
        Ok(absolute) => absolute,
        Err(why) => {
            dispatch.emit(Action::Exercise(ExerciseAction::Failed(LoadFailure {
                source: url.to_owned(),
                problems: vec![Problem {
                    file: None,
                    at: None,
                    message: why,
                }],
            })));
            return;
        }
    };
    let settle = start_loading(dispatch, format!("Loading exercises from {absolute}…"));
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(async move {
        settle(match load::load_url(absolute).await {
            Ok(pack) => open_action(Rc::new(pack), exercise),
            Err(failure) => ExerciseAction::Failed(failure),
        });
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (absolute, exercise, settle);
}

/// Reads picked files and opens them as a pack.
pub fn open_files(dispatch: &Callback<Action>, files: Vec<web_sys::File>) {
    let names: Vec<String> = files.iter().map(web_sys::File::name).collect();
    let settle = start_loading(dispatch, format!("Reading {}…", names.join(", ")));
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(async move {
        settle(match load::read_picked(files).await {
            Ok(pack) => open_action(Rc::new(pack), None),
            Err(failure) => ExerciseAction::Failed(failure),
        });
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (files, settle);
}

/// What the page's address should say for the open exercise: `?exercise=` for the
/// built-in pack, `?pack=…&exercise=` for a fetched one, nothing otherwise.
fn address_of(state: &ExerciseState) -> Option<(Option<String>, String)> {
    let session = state.session.as_ref()?;
    let exercise = session.exercise()?.id.clone();
    match &session.pack.source {
        PackSource::Builtin => Some((None, exercise)),
        PackSource::Url(url) => Some((Some(url.clone()), exercise)),
        PackSource::Files(_) => None,
    }
}

/// The exercise side effects of the page: opening what the address asks for, saving
/// progress when it changes, and keeping the address on the open exercise so a reload
/// comes back to it.
#[hook]
pub fn use_exercises(
    state: &UseReducerHandle<AppState>,
    dispatch: &Callback<Action>,
    enabled: bool,
) {
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            // Embeds show no exercises.
            if !enabled {
                return;
            }
            let search = dom::window()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_default();
            let query = address::parse_query(&search);
            match (query.pack, query.exercise) {
                (Some(pack), exercise) => open_pack_url(&dispatch, &pack, exercise),
                (None, Some(exercise)) => open_builtin(&dispatch, Some(&exercise)),
                (None, None) => {}
            }
        });
    }
    {
        let session = state.exercises.session.clone();
        let key = session
            .as_ref()
            .map(|s| (s.pack.id.clone(), s.progress_rev));
        let dispatch = dispatch.clone();
        use_effect_with(key, move |key| {
            if let (Some(session), Some((_, rev))) = (session, key) {
                if *rev > 0 && !progress::save(&session.progress) {
                    dispatch.emit(Action::Exercise(ExerciseAction::SaveFailed));
                }
            }
        });
    }
    {
        // Only a change of the open exercise rewrites the address: while a `?pack=` is
        // still loading (or failed) the address keeps it, so a reload retries.
        let shown = use_mut_ref(|| None::<(Option<String>, String)>);
        use_effect_with(address_of(&state.exercises), move |wanted| {
            if *shown.borrow() == *wanted {
                return;
            }
            *shown.borrow_mut() = wanted.clone();
            let Some(window) = dom::window() else {
                return;
            };
            let location = window.location();
            let (Ok(path), Ok(search), Ok(hash)) =
                (location.pathname(), location.search(), location.hash())
            else {
                return;
            };
            let search = match wanted {
                Some((pack, exercise)) => {
                    address::with_exercise(&search, pack.as_deref(), Some(exercise))
                }
                None => address::with_exercise(&search, None, None),
            };
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&format!("{path}{search}{hash}")),
                );
            }
        });
    }
}
