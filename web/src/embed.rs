//! Embed mode (`?embed=1&…`): a compact layout for documentation pages with only the
//! panels asked for, its state in the URL (never in the playground's autosave), a note for
//! settings it could not use, an "Open in Stagecraft" link, and the postMessage API of
//! `host_api`. The query is read by [`EmbedConfig::from_query`], a pure function.

use std::cell::RefCell;
use std::rc::Rc;

use stagecraft_analysis::Severity;
use yew::prelude::*;

use crate::diagnostics::Diagnostics;
use crate::dom;
use crate::editor::Editor;
use crate::graph::GraphPanel;
use crate::host_api::{self, Request};
use crate::image::ImagePanel;
use crate::query::{percent_decode, percent_encode};
use crate::state::{Action, AppState, Panel, Theme};
use crate::steps::StepsPanel;

/// Only this much of a query is read; a longer one is cut here, with a note.
pub const MAX_QUERY_BYTES: usize = 4096;
/// Parameters past this many are ignored, with a note.
const MAX_PARAMS: usize = 24;
const MAX_TARGET_BYTES: usize = 128;
const MAX_ID_CHARS: usize = 64;
const MAX_ORIGINS: usize = 8;
/// Heights the loader may give an iframe, in CSS pixels.
pub const MIN_HEIGHT: u32 = 200;
pub const MAX_HEIGHT: u32 = 2000;
/// The loader's height when none is given, and the dialog's default.
pub const DEFAULT_HEIGHT: u32 = 420;

/// A part of the embed layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedPanel {
    Editor,
    Graph,
    Image,
    Steps,
    Problems,
}

impl EmbedPanel {
    pub const ALL: [EmbedPanel; 5] = [
        EmbedPanel::Editor,
        EmbedPanel::Graph,
        EmbedPanel::Image,
        EmbedPanel::Steps,
        EmbedPanel::Problems,
    ];

    pub fn id(self) -> &'static str {
        match self {
            EmbedPanel::Editor => "editor",
            EmbedPanel::Graph => "graph",
            EmbedPanel::Image => "image",
            EmbedPanel::Steps => "steps",
            EmbedPanel::Problems => "problems",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EmbedPanel::Editor => "Editor",
            EmbedPanel::Graph => "Graph",
            EmbedPanel::Image => "Image",
            EmbedPanel::Steps => "Steps",
            EmbedPanel::Problems => "Problems",
        }
    }

    fn parse(s: &str) -> Option<EmbedPanel> {
        EmbedPanel::ALL.into_iter().find(|p| p.id() == s)
    }

    /// The tab of the right-hand pane this is, if it is one.
    pub fn view(self) -> Option<Panel> {
        match self {
            EmbedPanel::Graph => Some(Panel::Graph),
            EmbedPanel::Image => Some(Panel::Image),
            EmbedPanel::Steps => Some(Panel::Steps),
            EmbedPanel::Editor | EmbedPanel::Problems => None,
        }
    }
}

/// Where the step-through starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStart {
    At(usize),
    /// Plays from the first step.
    Auto,
}

/// What the query asked for. Every field has a sensible default, so any query (even junk)
/// gives a working embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedConfig {
    /// `embed=1`: the compact layout. Without it the page is the full playground.
    pub enabled: bool,
    /// In the order given, without repeats; never empty.
    pub panels: Vec<EmbedPanel>,
    pub readonly: bool,
    pub theme: Theme,
    pub target: Option<String>,
    pub step: Option<StepStart>,
    /// For the loader (the iframe's height); the page itself fills its frame.
    pub height: Option<u32>,
    /// `origin=`: the only host origins read from and written to; empty means any.
    pub origins: Vec<String>,
    /// `id=`: echoed in every message, so a host tells its embeds apart.
    pub id: Option<String>,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        EmbedConfig {
            enabled: false,
            panels: vec![EmbedPanel::Editor, EmbedPanel::Graph],
            readonly: false,
            theme: Theme::System,
            target: None,
            step: None,
            height: None,
            origins: Vec::new(),
            id: None,
        }
    }
}

/// A parameter that was ignored (or bounded), and why; shown as a note, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub param: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.param, self.message)
    }
}

const KNOWN: [&str; 10] = [
    "embed", "panels", "readonly", "theme", "target", "step", "height", "origin", "id", "load",
];

impl EmbedConfig {
    /// Reads a query string (with or without `?`). Unknown, repeated, malformed and
    /// out-of-range parameters are ignored or bounded, each with a [`Problem`].
    pub fn from_query(query: &str) -> (EmbedConfig, Vec<Problem>) {
        let mut config = EmbedConfig::default();
        let mut problems = Vec::new();
        let mut note = |param: &str, message: String| {
            problems.push(Problem {
                param: clip(param, 40),
                message,
            })
        };
        let mut query = query.strip_prefix('?').unwrap_or(query);
        if query.len() > MAX_QUERY_BYTES {
            let mut end = MAX_QUERY_BYTES;
            while !query.is_char_boundary(end) {
                end -= 1;
            }
            note(
                "query",
                format!("the address is too long; only its first {MAX_QUERY_BYTES} bytes are read"),
            );
            query = &query[..end];
        }
        let mut seen: Vec<String> = Vec::new();
        let mut panels_given = false;
        for (count, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
            if count == MAX_PARAMS {
                note(
                    "query",
                    format!("only the first {MAX_PARAMS} parameters are read"),
                );
                break;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key);
            let value = percent_decode(value);
            let value = value.trim();
            if !KNOWN.contains(&key.as_str()) {
                note(&key, "is not an embed parameter; it is ignored".to_owned());
                continue;
            }
            if seen.contains(&key) {
                note(
                    &key,
                    "is given more than once; the first value is used".to_owned(),
                );
                continue;
            }
            seen.push(key.clone());
            match key.as_str() {
                "embed" => match parse_bool(value) {
                    Some(on) => config.enabled = on,
                    None => {
                        config.enabled = true;
                        note(
                            &key,
                            format!("`{}` is not 1 or 0; embedding anyway", clip(value, 40)),
                        );
                    }
                },
                "panels" => {
                    let mut panels = Vec::new();
                    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        match EmbedPanel::parse(&name.to_ascii_lowercase()) {
                            Some(p) if !panels.contains(&p) => panels.push(p),
                            Some(_) => {}
                            None => note(
                                &key,
                                format!(
                                    "`{}` is not a panel (editor, graph, image, steps, problems)",
                                    clip(name, 40)
                                ),
                            ),
                        }
                    }
                    if panels.is_empty() {
                        note(
                            &key,
                            "names no panel; showing the editor and the graph".to_owned(),
                        );
                    } else {
                        config.panels = panels;
                        panels_given = true;
                    }
                }
                "readonly" => match parse_bool(value) {
                    Some(on) => config.readonly = on,
                    None => note(&key, format!("`{}` is not 1 or 0", clip(value, 40))),
                },
                "theme" => match value.to_ascii_lowercase().as_str() {
                    "light" => config.theme = Theme::Light,
                    "dark" => config.theme = Theme::Dark,
                    "auto" | "system" => config.theme = Theme::System,
                    other => note(
                        &key,
                        format!("`{}` is not light, dark or auto", clip(other, 40)),
                    ),
                },
                "target" => {
                    if value.is_empty() {
                        // An empty target is the last stage, the default: nothing to say.
                    } else if value.len() > MAX_TARGET_BYTES || value.chars().any(char::is_control)
                    {
                        note(
                            &key,
                            format!(
                                "is not a stage name (at most {MAX_TARGET_BYTES} bytes, one line)"
                            ),
                        );
                    } else {
                        config.target = Some(value.to_owned());
                    }
                }
                "step" => {
                    if value.eq_ignore_ascii_case("auto") {
                        config.step = Some(StepStart::Auto);
                    } else {
                        match value.parse::<usize>() {
                            Ok(n) => config.step = Some(StepStart::At(n)),
                            Err(_) => note(
                                &key,
                                format!("`{}` is not a step number or auto", clip(value, 40)),
                            ),
                        }
                    }
                }
                "height" => {
                    let digits = value.strip_suffix("px").unwrap_or(value);
                    match digits.parse::<u64>() {
                        Ok(h) => {
                            let bounded = h.clamp(u64::from(MIN_HEIGHT), u64::from(MAX_HEIGHT));
                            if bounded != h {
                                note(
                                    &key,
                                    format!("is kept between {MIN_HEIGHT} and {MAX_HEIGHT} pixels"),
                                );
                            }
                            config.height = u32::try_from(bounded).ok();
                        }
                        Err(_) => note(
                            &key,
                            format!("`{}` is not a number of pixels", clip(value, 40)),
                        ),
                    }
                }
                "origin" => {
                    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                        if config.origins.len() == MAX_ORIGINS {
                            note(&key, format!("at most {MAX_ORIGINS} origins are read"));
                            break;
                        }
                        match parse_origin(origin) {
                            Some(o) if !config.origins.contains(&o) => config.origins.push(o),
                            Some(_) => {}
                            None => note(
                                &key,
                                format!(
                                    "`{}` is not an origin like https://docs.example.com; it is ignored",
                                    clip(origin, 60)
                                ),
                            ),
                        }
                    }
                }
                "id" => {
                    let fine = !value.is_empty()
                        && value.chars().count() <= MAX_ID_CHARS
                        && value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
                    if fine {
                        config.id = Some(value.to_owned());
                    } else {
                        note(
                            &key,
                            format!("must be up to {MAX_ID_CHARS} letters, digits, - _ . or :"),
                        );
                    }
                }
                // The loader's click-to-load switch: meaningful only to the loader.
                _ => {}
            }
        }
        // A step start with no panel list shows the steps; with a list, the list rules.
        if config.step.is_some() && !config.panels.contains(&EmbedPanel::Steps) {
            if panels_given {
                note(
                    "step",
                    "needs the steps panel in `panels`; it is ignored".to_owned(),
                );
                config.step = None;
            } else {
                config.panels = vec![EmbedPanel::Editor, EmbedPanel::Steps];
            }
        }
        (config, problems)
    }

    /// The query that gives this configuration (without `?`); defaults are left out.
    pub fn to_query(&self) -> String {
        let mut parts = vec!["embed=1".to_owned()];
        if self.panels != EmbedConfig::default().panels {
            let names: Vec<&str> = self.panels.iter().map(|p| p.id()).collect();
            parts.push(format!("panels={}", names.join(",")));
        }
        if self.readonly {
            parts.push("readonly=1".to_owned());
        }
        match self.theme {
            Theme::System => {}
            theme => parts.push(format!("theme={}", theme.as_str())),
        }
        if let Some(target) = &self.target {
            parts.push(format!("target={}", percent_encode(target, b",")));
        }
        match self.step {
            Some(StepStart::Auto) => parts.push("step=auto".to_owned()),
            Some(StepStart::At(n)) => parts.push(format!("step={n}")),
            None => {}
        }
        if let Some(height) = self.height {
            parts.push(format!("height={height}"));
        }
        if !self.origins.is_empty() {
            parts.push(format!(
                "origin={}",
                percent_encode(&self.origins.join(","), b",")
            ));
        }
        if let Some(id) = &self.id {
            parts.push(format!("id={}", percent_encode(id, b",")));
        }
        parts.join("&")
    }

    /// The tabs of the right-hand pane, in the order asked.
    pub fn views(&self) -> Vec<Panel> {
        self.panels.iter().filter_map(|p| p.view()).collect()
    }

    pub fn shows(&self, panel: EmbedPanel) -> bool {
        self.panels.contains(&panel)
    }

    /// The page's own query, read once at start-up.
    pub fn from_location() -> (EmbedConfig, Vec<Problem>) {
        let search = dom::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        EmbedConfig::from_query(&search)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `scheme://host[:port]` of http(s), lower-cased, without a trailing slash; else `None`.
fn parse_origin(text: &str) -> Option<String> {
    let text = text.strip_suffix('/').unwrap_or(text).to_ascii_lowercase();
    let (scheme, rest) = text.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.[]:".contains(c));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then_some(text)
}

fn clip(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

/// The embed's state at start-up: the fragment's (or the first example's), with the
/// query's target, panel, step and theme. Never the autosave: ten embeds on a page must
/// not read or overwrite the visitor's own work.
pub fn initial_state(
    config: &EmbedConfig,
    problems: &[Problem],
    fragment: Option<&str>,
    reduced_motion: bool,
) -> AppState {
    let mut notes: Vec<String> = problems.iter().map(Problem::to_string).collect();
    let shared = match fragment.map(stagecraft_share::decode) {
        Some(Ok(shared)) => Some(shared),
        Some(Err(why)) => {
            notes.push(format!(
                "the Dockerfile in this address could not be read: {why}"
            ));
            None
        }
        None => None,
    };
    let mut shared = shared.unwrap_or_else(|| stagecraft_share::SharedState {
        dockerfile: crate::examples::first_text().to_owned(),
        ..Default::default()
    });
    if config.target.is_some() {
        shared.target = config.target.clone();
    }
    let views = config.views();
    // The link's panel if it is one of those shown, else the first shown.
    let link_panel = shared
        .panel
        .as_deref()
        .and_then(|id| views.iter().copied().find(|p| p.id() == id));
    shared.panel = None;
    let mut state = crate::app::from_link(shared);
    state.notice = None;
    state.panel = match config.step {
        Some(_) => Panel::Steps,
        None => link_panel
            .or(views.first().copied())
            .unwrap_or(Panel::Graph),
    };
    let last = state.view.steps.len().saturating_sub(1);
    match config.step {
        Some(StepStart::At(n)) => state.step = n.min(last),
        Some(StepStart::Auto) => {
            state.step = 0;
            // Motion the visitor did not start is off when they asked for less of it.
            state.playing = !reduced_motion && !state.view.steps.is_empty();
        }
        None => {}
    }
    state.theme = config.theme;
    if !notes.is_empty() {
        state.notice = Some(format!(
            "Some embed settings were not used: {}.",
            notes.join("; ")
        ));
    }
    state
}

/// The full playground's address with this state: the page's path without the embed
/// query, and the share fragment.
pub fn open_link(state: &AppState) -> Option<String> {
    let location = dom::window()?.location();
    let fragment = stagecraft_share::encode(&crate::app::shared_state(state));
    Some(format!(
        "{}{}#{fragment}",
        location.origin().ok()?,
        location.pathname().ok()?
    ))
}

/// The reducer's handle as a prop. The handle itself always reads the newest state, so
/// it cannot tell two renders apart; the address of the state it held when made can
/// (every change of state is a new value, kept alive by the handle).
#[derive(Clone)]
pub struct StateHandle(pub UseReducerHandle<AppState>, usize);

impl StateHandle {
    pub fn new(handle: UseReducerHandle<AppState>) -> Self {
        let snapshot = &*handle as *const AppState as usize;
        StateHandle(handle, snapshot)
    }
}

impl PartialEq for StateHandle {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1
    }
}

#[derive(Properties, PartialEq)]
pub struct EmbedAppProps {
    pub state: StateHandle,
    pub config: Rc<EmbedConfig>,
    pub dispatch: Callback<Action>,
}

/// The compact layout and the host API.
#[function_component]
pub fn EmbedApp(props: &EmbedAppProps) -> Html {
    let state: &AppState = &props.state.0;
    let config = &props.config;
    // The host API's listener outlives renders: it reads the newest state through this.
    let latest = use_mut_ref(|| props.state.clone());
    *latest.borrow_mut() = props.state.clone();

    {
        let latest = latest.clone();
        let config = props.config.clone();
        use_effect_with((), move |_| {
            let listener = listen(config, latest);
            move || drop(listener)
        });
    }
    {
        let handle = props.state.clone();
        let config = props.config.clone();
        use_effect_with((state.view.rev, state.stale), move |&(_, stale)| {
            if !stale {
                host_api::post_event(
                    &config.origins,
                    &host_api::analysis_message(config.id.as_deref(), &handle.0),
                );
            }
        });
    }
    {
        let handle = props.state.clone();
        let config = props.config.clone();
        use_effect_with((state.step, state.panel, state.view.rev), move |_| {
            if let Some(message) = host_api::step_message(config.id.as_deref(), &handle.0) {
                host_api::post_event(&config.origins, &message);
            }
        });
    }

    let readonly = config.readonly;
    let on_edit = use_callback(props.dispatch.clone(), move |text: String, dispatch| {
        if !readonly {
            dispatch.emit(Action::Edit(text));
        }
    });
    let on_jump = use_callback(props.dispatch.clone(), |range, dispatch| {
        dispatch.emit(Action::JumpTo(range))
    });
    let dismiss = use_callback(props.dispatch.clone(), |_: MouseEvent, dispatch| {
        dispatch.emit(Action::Notice(None))
    });
    // Encoding deflates the text: once per change of what the link holds, not per render.
    let link_key = (
        state.generation,
        state.panel,
        (state.panel == Panel::Steps).then_some(state.step),
    );
    let link = {
        let handle = props.state.clone();
        use_memo(link_key, move |_| open_link(&handle.0))
    };

    let views = config.views();
    let current = if views.contains(&state.panel) {
        state.panel
    } else {
        views.first().copied().unwrap_or(Panel::Graph)
    };
    let show_editor = config.shows(EmbedPanel::Editor);
    let show_problems = config.shows(EmbedPanel::Problems);
    let left = show_editor || show_problems;
    let right = !views.is_empty();

    let panel = match current {
        Panel::Image => html! { <ImagePanel view={state.view.clone()} /> },
        Panel::Steps => html! {
            <StepsPanel view={state.view.clone()} step={state.step} playing={state.playing} dispatch={props.dispatch.clone()} />
        },
        // The graph, and in place of any tab an embed does not offer.
        _ => html! {
            <GraphPanel view={state.view.clone()} active={state.active_stage()} dispatch={props.dispatch.clone()} />
        },
    };
    let errors = state.view.count(Severity::Error);
    let warnings = state.view.count(Severity::Warning);
    let stages = state.view.analysis.stages.len();
    let summary = format!(
        "{stages} stage{}, {errors} error{}, {warnings} warning{}",
        if stages == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );

    html! {
        <div class={classes!("embed", readonly.then_some("embed-readonly"))} data-embed-readonly={readonly.to_string()}>
            if let Some(notice) = &state.notice {
                <div class="embed-note" role="status">
                    <span>{ notice }</span>
                    <button type="button" class="tool-button" onclick={dismiss} aria-label="Dismiss the note">{ "×" }</button>
                </div>
            }
            <main class={classes!("embed-body", (left && right).then_some("embed-split"))}>
                if left {
                    <div class="embed-left">
                        if show_editor {
                            <Editor text={state.text.clone()} view={state.view.clone()} stale={state.stale}
                                marked={state.marked_range()} jump={state.jump} {on_edit} {readonly} />
                        }
                        if show_problems {
                            <Diagnostics view={state.view.clone()} stale={state.stale} {on_jump} />
                        }
                    </div>
                }
                if right {
                    <section class="right embed-right" aria-label="What BuildKit makes of it">
                        if views.len() > 1 {
                            <crate::app::Tabs tabs={views.clone()} {current} dispatch={props.dispatch.clone()} />
                        }
                        <div class={classes!("tabpanel", state.stale.then_some("stale"))} role="tabpanel"
                            id={format!("panel-{}", current.id())}
                            aria-labelledby={(views.len() > 1).then(|| format!("tab-{}", current.id()))}
                            aria-label={(views.len() <= 1).then(|| current.label())}>
                            { panel }
                        </div>
                    </section>
                }
            </main>
            <footer class="embed-foot">
                <span class="embed-summary">{ summary }</span>
                if readonly {
                    <span class="embed-badge">{ "read-only" }</span>
                }
                if let Some(link) = (*link).clone() {
                    <a class="embed-open" href={link} target="_blank" rel="noopener">
                        { "Open in Stagecraft" }<span aria-hidden="true">{ " ↗" }</span>
                    </a>
                }
            </footer>
        </div>
    }
}

/// Starts the host API: `ready` now, then requests served as they come.
fn listen(config: Rc<EmbedConfig>, latest: Rc<RefCell<StateHandle>>) -> Option<host_api::Listener> {
    let embed_id = config.id.clone();
    let readonly = config.readonly;
    let listener =
        host_api::Listener::start(config.origins.clone(), config.id.clone(), move |request| {
            let handle = latest.borrow().clone();
            let state: &AppState = &handle.0;
            match request {
                Request::Get { id } => Some(host_api::state_message(
                    embed_id.as_deref(),
                    id.as_ref(),
                    state,
                )),
                Request::Set {
                    dockerfile,
                    target,
                    build_args,
                    ..
                } => {
                    // The host is in charge even of a read-only embed; the analysis event that
                    // follows is the answer.
                    handle.0.dispatch(Action::Restore {
                        text: dockerfile.unwrap_or_else(|| state.text.to_string()),
                        target: target.unwrap_or_else(|| state.target.clone()),
                        build_args: build_args
                            .map(|a| host_api::build_args_text(&a))
                            .unwrap_or_else(|| state.build_args.clone()),
                        notice: state.notice.clone(),
                    });
                    None
                }
            }
        })?;
    host_api::post_event(
        &config.origins,
        &host_api::ready_message(config.id.as_deref(), readonly),
    );
    Some(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> (EmbedConfig, Vec<String>) {
        let (config, problems) = EmbedConfig::from_query(query);
        (config, problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn no_query_is_the_full_app() {
        let (config, problems) = parse("");
        assert!(!config.enabled);
        assert!(problems.is_empty());
        assert_eq!(parse("?").0, EmbedConfig::default());
    }

    #[test]
    fn every_parameter_is_read() {
        let (config, problems) = parse(
            "?embed=1&panels=editor,graph,steps&readonly=1&theme=dark&target=build&step=auto&height=480&origin=https://docs.example.com,http://localhost:8000/&id=intro-1",
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            config,
            EmbedConfig {
                enabled: true,
                panels: vec![EmbedPanel::Editor, EmbedPanel::Graph, EmbedPanel::Steps],
                readonly: true,
                theme: Theme::Dark,
                target: Some("build".into()),
                step: Some(StepStart::Auto),
                height: Some(480),
                origins: vec![
                    "https://docs.example.com".into(),
                    "http://localhost:8000".into()
                ],
                id: Some("intro-1".into()),
            }
        );
        assert_eq!(config.views(), vec![Panel::Graph, Panel::Steps]);
        assert_eq!(
            parse("embed=true&theme=LIGHT&step=3&readonly=no").0.theme,
            Theme::Light
        );
        assert_eq!(parse("embed=1&step=3").0.step, Some(StepStart::At(3)));
        assert!(!parse("embed&readonly=no").0.readonly);
        assert!(parse("embed&readonly").0.readonly, "a bare flag is on");
        assert!(!parse("embed=0").0.enabled);
        assert_eq!(parse("embed=1&theme=auto").0.theme, Theme::System);
        assert_eq!(parse("embed=1&height=300px").0.height, Some(300));
        assert!(
            parse("embed=1&load=click").1.is_empty(),
            "the loader's switch is known"
        );
    }

    #[test]
    fn values_are_percent_decoded() {
        let (config, _) = parse("embed=1&target=my%20stage&panels=editor%2Cimage");
        assert_eq!(config.target.as_deref(), Some("my stage"));
        assert_eq!(config.panels, vec![EmbedPanel::Editor, EmbedPanel::Image]);
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%C3%A9%FF"), "%zzé\u{fffd}");
    }

    #[test]
    fn bad_values_are_ignored_with_a_note() {
        let (config, problems) =
            parse("embed=1&panels=editor,chart&theme=blue&readonly=maybe&height=tall&step=soon&target=a%0Ab&id=a%20b&origin=javascript:alert(1),*");
        assert_eq!(config.panels, vec![EmbedPanel::Editor]);
        assert_eq!(config.theme, Theme::System);
        assert!(!config.readonly);
        assert_eq!(config.height, None);
        assert_eq!(config.step, None);
        assert_eq!(config.target, None);
        assert_eq!(config.id, None);
        assert!(config.origins.is_empty());
        let all = problems.join("\n");
        for expected in [
            "`chart` is not a panel",
            "`blue` is not light, dark or auto",
            "`maybe` is not 1 or 0",
            "`tall` is not a number",
            "`soon` is not a step",
            "target: is not a stage name",
            "id: must be",
            "`javascript:alert(1)` is not an origin",
            "`*` is not an origin",
        ] {
            assert!(all.contains(expected), "{expected:?} in\n{all}");
        }
        let (config, problems) = parse("embed=1&panels=,,nothing&colour=red");
        assert_eq!(config.panels, EmbedConfig::default().panels);
        assert!(problems.iter().any(|p| p.contains("names no panel")));
        assert!(problems
            .iter()
            .any(|p| p.contains("colour: is not an embed parameter")));
    }

    #[test]
    fn duplicates_keep_the_first_value() {
        let (config, problems) = parse("embed=1&theme=dark&theme=light&panels=graph,graph,editor");
        assert_eq!(config.theme, Theme::Dark);
        assert_eq!(config.panels, vec![EmbedPanel::Graph, EmbedPanel::Editor]);
        assert_eq!(
            problems,
            vec!["theme: is given more than once; the first value is used"]
        );
    }

    #[test]
    fn huge_values_are_bounded() {
        let (config, problems) = parse("embed=1&height=99999999999999999999999");
        assert_eq!(config.height, None, "overflowing numbers are not numbers");
        assert_eq!(problems.len(), 1);
        let (config, problems) = parse("embed=1&height=50000");
        assert_eq!(config.height, Some(MAX_HEIGHT));
        assert!(problems[0].contains("between"));
        assert_eq!(parse("embed=1&height=3").0.height, Some(MIN_HEIGHT));
        let long = format!("embed=1&target={}", "é".repeat(MAX_QUERY_BYTES));
        let (config, problems) = parse(&long);
        assert!(config.enabled);
        assert_eq!(config.target, None);
        assert!(problems.iter().any(|p| p.contains("too long")));
        let many: String = (0..100).map(|i| format!("x{i}=1&")).collect();
        let (_, problems) = parse(&format!("embed=1&{many}"));
        assert!(problems.len() <= MAX_PARAMS + 1);
        assert!(problems
            .last()
            .is_some_and(|p| p.contains("only the first")));
        let origins: String = (0..20).map(|i| format!("https://h{i}.example,")).collect();
        assert_eq!(
            parse(&format!("embed=1&origin={origins}")).0.origins.len(),
            MAX_ORIGINS
        );
        let (_, problems) = parse(&format!("embed=1&theme={}", "x".repeat(3000)));
        assert!(problems[0].len() < 200, "notes quote values clipped");
    }

    #[test]
    fn a_step_start_brings_the_steps_panel() {
        let (config, problems) = parse("embed=1&step=auto");
        assert_eq!(config.panels, vec![EmbedPanel::Editor, EmbedPanel::Steps]);
        assert!(problems.is_empty());
        let (config, problems) = parse("embed=1&panels=graph&step=auto");
        assert_eq!(config.step, None);
        assert!(problems[0].contains("needs the steps panel"));
    }

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            parse_origin("HTTPS://Docs.Example.com/").as_deref(),
            Some("https://docs.example.com")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            parse_origin("http://[::1]:3000").as_deref(),
            Some("http://[::1]:3000")
        );
        assert_eq!(parse_origin("https://docs.example.com/path"), None);
        assert_eq!(parse_origin("https://a.example:99999x"), None);
        assert_eq!(parse_origin("ftp://a.example"), None);
        assert_eq!(parse_origin("https://"), None);
    }

    #[test]
    fn to_query_round_trips() {
        let config = EmbedConfig {
            enabled: true,
            panels: vec![EmbedPanel::Graph, EmbedPanel::Steps, EmbedPanel::Problems],
            readonly: true,
            theme: Theme::Light,
            target: Some("build & test".into()),
            step: Some(StepStart::At(2)),
            height: Some(360),
            origins: vec!["https://a.example".into(), "https://b.example:8443".into()],
            id: Some("x-1".into()),
        };
        let (config_again, problems) = EmbedConfig::from_query(&config.to_query());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config_again, config);
        let plain = EmbedConfig {
            enabled: true,
            ..EmbedConfig::default()
        };
        assert_eq!(plain.to_query(), "embed=1");
        assert_eq!(EmbedConfig::from_query(&plain.to_query()).0, plain);
    }

    #[test]
    fn the_start_state_follows_the_query_and_fragment() {
        let dockerfile = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine\nCOPY --from=build /app /app\n";
        let fragment = stagecraft_share::encode(&stagecraft_share::SharedState {
            dockerfile: dockerfile.into(),
            panel: Some("image".into()),
            ..Default::default()
        });
        let (config, problems) =
            EmbedConfig::from_query("embed=1&panels=editor,graph,image&target=build&theme=dark");
        let state = initial_state(&config, &problems, Some(&fragment), false);
        assert_eq!(&*state.text, dockerfile);
        assert_eq!(state.target.as_deref(), Some("build"));
        assert_eq!(
            state.panel,
            Panel::Image,
            "the link's panel, as it is shown"
        );
        assert_eq!(state.theme, Theme::Dark);
        assert_eq!(state.notice, None);

        let (config, problems) = EmbedConfig::from_query("embed=1&panels=graph&theme=pink");
        let state = initial_state(&config, &problems, Some("#v1.@@@"), false);
        assert_eq!(state.panel, Panel::Graph, "a panel not shown is not opened");
        assert!(
            !state.text.is_empty(),
            "a broken link still shows a Dockerfile"
        );
        let notice = state.notice.unwrap_or_default();
        assert!(
            notice.contains("pink") && notice.contains("could not be read"),
            "{notice}"
        );

        let (config, problems) = EmbedConfig::from_query("embed=1&step=auto");
        let playing = initial_state(&config, &problems, Some(&fragment), false);
        assert!(playing.playing && playing.panel == Panel::Steps && playing.step == 0);
        assert!(
            !initial_state(&config, &problems, Some(&fragment), true).playing,
            "reduced motion"
        );
        let (config, problems) = EmbedConfig::from_query("embed=1&step=999");
        let at_end = initial_state(&config, &problems, Some(&fragment), false);
        assert_eq!(at_end.step, at_end.view.steps.len() - 1);
    }
}
