//! The graph panel rendered natively (its stable hooks) and the camera's arithmetic.

use std::fmt::Write as _;

use yew::Callback;

use super::*;
use crate::test_render::{attribute_values, render, tags_with, view_of};

const MULTI_STAGE: &str = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n\nFROM build AS test\nRUN go test ./...\n\nFROM alpine:3.20\nCOPY --from=build /out/app /usr/local/bin/app\nCMD [\"app\"]\n";

/// A chain of `n` stages, each copying from the one before, and a final stage copying
/// from every tenth: a graph much wider than any panel.
fn many_stages(n: usize) -> String {
    let mut text = String::from("FROM alpine:3.20 AS s0\nRUN echo 0 > /f0\n");
    for i in 1..n {
        let _ = write!(
            text,
            "FROM alpine:3.20 AS s{i}\nCOPY --from=s{} /f{} /f{i}\n",
            i - 1,
            i - 1
        );
    }
    text.push_str("FROM alpine:3.20\n");
    for i in (0..n).step_by(10) {
        let _ = writeln!(text, "COPY --from=s{i} /f{i} /f{i}");
    }
    text
}

fn panel(text: &str) -> String {
    render::<GraphPanel>(GraphPanelProps {
        view: view_of(text),
        active: None,
        dispatch: Callback::noop(),
    })
}

#[test]
fn nodes_and_edges_carry_their_hooks() {
    let html = panel(MULTI_STAGE);
    assert_eq!(attribute_values(&html, "data-stage"), ["0", "1", "2"]);
    assert_eq!(
        attribute_values(&html, "data-built"),
        ["true", "false", "true"],
        "the test stage is not needed by the last stage"
    );
    let kinds = attribute_values(&html, "data-edge-kind");
    assert!(kinds.iter().any(|k| k == "from"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "copy"), "{kinds:?}");
    assert_eq!(attribute_values(&html, "data-rev"), ["1"]);
}

#[test]
fn the_viewport_is_focusable_with_labelled_zoom_controls() {
    let html = panel(MULTI_STAGE);
    let viewport = tags_with(&html, "class=\"graph-viewport\"");
    assert_eq!(viewport.len(), 1, "{html}");
    assert!(viewport[0].contains("tabindex=\"0\""), "{}", viewport[0]);
    assert_eq!(attribute_values(&html, "data-zoom"), ["100"]);
    for label in ["Zoom in", "Zoom out"] {
        assert_eq!(
            tags_with(&html, &format!("aria-label=\"{label}\"")).len(),
            1,
            "{label}"
        );
    }
    assert!(html.contains(">Fit</button>"));
    assert!(html.contains(">Export PNG</button>"));
    assert!(html.contains(">Export SVG</button>"));
    // The nodes sit in the group the camera moves.
    let (Some(camera), Some(first_node)) =
        (html.find("class=\"camera\""), html.find("data-stage="))
    else {
        panic!("a camera group and nodes: {html}");
    };
    assert!(camera < first_node);
}

#[test]
fn an_empty_file_says_how_to_start_and_draws_no_viewport() {
    let html = panel("");
    assert!(html.contains("No stage yet"), "{html}");
    assert!(tags_with(&html, "graph-viewport").is_empty());
}

#[test]
fn the_small_graph_of_the_steps_panel_keeps_its_fitted_drawing() {
    let view = view_of(MULTI_STAGE);
    let html = render::<GraphSvg>(GraphSvgProps {
        layout: Rc::new(compute_layout(&view, Direction::LeftToRight)),
        view,
        active: Some(2),
        source: Some(0),
        fit: true,
        on_select: Callback::noop(),
        camera: None,
        guard: None,
    });
    assert!(html.contains("viewBox=\"0 0 "), "{html}");
    assert!(html.contains("graph-svg fit"), "{html}");
    assert!(!html.contains("class=\"camera\""));
    assert_eq!(tags_with(&html, "gnode stage target active").len(), 1);
    assert_eq!(tags_with(&html, "class=\"gnode stage source\"").len(), 1);
}

#[test]
fn a_large_file_is_drawn_whole_and_fits_its_viewport() {
    let view = view_of(&many_stages(45));
    let layout = compute_layout(&view, Direction::LeftToRight);
    assert_eq!(view.analysis.stages.len(), 46);
    let html = panel(&many_stages(45));
    assert_eq!(attribute_values(&html, "data-stage").len(), 46);

    let camera = Camera::whole((layout.width, layout.height), 640.0, 600.0);
    assert!(camera.scale < 1.0 && camera.scale >= MIN_SCALE);
    let (vw, vh) = camera.viewport;
    assert!(camera.x >= 0.0 && camera.x + layout.width * camera.scale <= vw + 1e-9);
    assert!(camera.y >= 0.0 && camera.y + layout.height * camera.scale <= vh + 1e-9);
    // Zoomed to 100% it is much wider than the panel, and panning reaches its far end.
    let mut at_full = camera.apply(CameraAction::Zoom {
        factor: 1.0 / camera.scale,
    });
    assert!((at_full.scale - 1.0).abs() < 1e-9);
    for _ in 0..1_000 {
        at_full = at_full.apply(CameraAction::PanBy {
            dx: -PAN_STEP,
            dy: 0.0,
        });
    }
    let right_edge = at_full.x + layout.width * at_full.scale;
    assert!(
        right_edge > 0.0 && right_edge <= vw,
        "the last column is on screen: {right_edge} in {vw}"
    );
}

#[test]
fn fit_never_enlarges_a_small_graph_and_centres_it() {
    let camera = Camera::whole((200.0, 100.0), 800.0, 600.0);
    assert_eq!(camera.scale, 1.0);
    assert_eq!(camera.viewport, (800.0, MIN_HEIGHT));
    assert_eq!(camera.x, 300.0);
    // Centred between the top padding and the band kept for the zoom controls.
    assert_eq!(
        camera.y,
        FIT_PAD + (MIN_HEIGHT - FIT_PAD - FIT_PAD_BOTTOM - 100.0) / 2.0
    );
    assert!(camera.auto_fit);
}

#[test]
fn a_fitted_graph_keeps_clear_of_the_zoom_controls() {
    // The controls float over the viewport's bottom-right corner: whatever the graph's
    // shape and the panel's width, Fit leaves them the bottom band, so no node is hidden.
    for content in [
        (200.0, 100.0),
        (900.0, 300.0),
        (300.0, 2_000.0),
        (6_000.0, 600.0),
    ] {
        for width in [360.0, 600.0, 1_200.0] {
            let camera = Camera::whole(content, width, 600.0);
            let bottom = camera.y + content.1 * camera.scale;
            assert!(
                bottom <= camera.viewport.1 - FIT_PAD_BOTTOM + 1e-9,
                "{content:?} in {width}: the graph ends at {bottom} of {}",
                camera.viewport.1
            );
            assert!(camera.y >= FIT_PAD - 1e-9);
        }
    }
}

#[test]
fn fit_height_follows_the_graph_up_to_the_limit() {
    let tall = Camera::whole((300.0, 2_000.0), 800.0, 500.0);
    assert_eq!(tall.viewport.1, 500.0);
    assert!((tall.scale - (500.0 - FIT_PAD - FIT_PAD_BOTTOM) / 2_000.0).abs() < 1e-9);
}

#[test]
fn zooming_keeps_the_point_under_the_pointer_still() {
    let camera = Camera::whole((1_000.0, 400.0), 600.0, 600.0);
    let at = (150.0, 90.0);
    let graph_point = |c: &Camera| ((at.0 - c.x) / c.scale, (at.1 - c.y) / c.scale);
    let before = graph_point(&camera);
    let zoomed = camera.apply(CameraAction::ZoomAt { factor: 1.7, at });
    assert!((zoomed.scale - camera.scale * 1.7).abs() < 1e-9);
    let after = graph_point(&zoomed);
    assert!((before.0 - after.0).abs() < 1e-6 && (before.1 - after.1).abs() < 1e-6);
    assert!(!zoomed.auto_fit, "a zoom stops following new layouts");
    // And back: Fit restores exactly the fitted camera.
    let refit = zoomed.apply(CameraAction::Fit {
        content: (1_000.0, 400.0),
        width: 600.0,
        max_height: 600.0,
    });
    assert_eq!(refit, camera);
}

#[test]
fn zoom_is_bounded_and_ignores_nonsense_factors() {
    let camera = Camera::whole((500.0, 300.0), 600.0, 600.0);
    let mut c = camera;
    for _ in 0..100 {
        c = c.apply(CameraAction::Zoom { factor: ZOOM_STEP });
    }
    assert_eq!(c.scale, MAX_SCALE);
    for _ in 0..200 {
        c = c.apply(CameraAction::Zoom {
            factor: 1.0 / ZOOM_STEP,
        });
    }
    assert_eq!(c.scale, MIN_SCALE);
    for factor in [0.0, -2.0, f64::NAN, f64::INFINITY] {
        assert_eq!(camera.apply(CameraAction::Zoom { factor }), camera);
    }
}

#[test]
fn panning_never_loses_the_graph() {
    let camera = Camera::whole((500.0, 300.0), 600.0, 600.0);
    let far = camera.apply(CameraAction::PanBy { dx: 1e6, dy: -1e6 });
    let (vw, vh) = far.viewport;
    assert!(far.x <= vw - KEEP_VISIBLE + 1e-9);
    assert!(far.y + 300.0 * far.scale >= KEEP_VISIBLE - 1e-9);
    assert!(vh > 0.0);
}

#[test]
fn new_layouts_refit_until_the_user_moves_the_view() {
    let camera = Camera::whole((500.0, 300.0), 600.0, 600.0);
    let resize = CameraAction::Resize {
        content: (1_500.0, 300.0),
        width: 600.0,
        max_height: 600.0,
    };
    let followed = camera.apply(resize);
    assert!(followed.scale < camera.scale, "a wider graph is refitted");
    assert!(followed.x >= 0.0 && followed.x + 1_500.0 * followed.scale <= 600.0);
    let moved = camera.apply(CameraAction::PanBy { dx: 10.0, dy: 0.0 });
    let kept = moved.apply(resize);
    assert_eq!(
        (kept.scale, kept.x, kept.y),
        (moved.scale, moved.x, moved.y)
    );
    assert_eq!(kept.content, (1_500.0, 300.0));
}

#[test]
fn revealing_a_stage_pans_only_when_it_is_off_screen() {
    let camera =
        Camera::whole((2_000.0, 300.0), 600.0, 600.0).apply(CameraAction::Zoom { factor: 4.0 });
    let (vw, vh) = camera.viewport;
    let on_screen = |c: &Camera, x: f64, w: f64| {
        let left = c.x + x * c.scale;
        left >= 0.0 && left + w * c.scale <= vw
    };
    let far = (1_800.0, 100.0, 120.0, 50.0);
    assert!(!on_screen(&camera, far.0, far.2));
    let revealed = camera.apply(CameraAction::Reveal {
        x: far.0,
        y: far.1,
        width: far.2,
        height: far.3,
    });
    assert!(on_screen(&revealed, far.0, far.2));
    let top = revealed.y + far.1 * revealed.scale;
    assert!(top >= 0.0 && top + far.3 * revealed.scale <= vh);
    assert_eq!(revealed.scale, camera.scale);
    // Before the viewport is measured there is nothing to reveal into.
    let unmeasured = Camera::default();
    assert_eq!(
        unmeasured.apply(CameraAction::Reveal {
            x: far.0,
            y: far.1,
            width: far.2,
            height: far.3,
        }),
        unmeasured
    );
    // Already visible: nothing moves.
    assert_eq!(
        revealed.apply(CameraAction::Reveal {
            x: far.0,
            y: far.1,
            width: far.2,
            height: far.3,
        }),
        revealed
    );
}

#[test]
fn a_stage_revealed_below_the_view_stops_above_the_zoom_controls() {
    let camera =
        Camera::whole((600.0, 2_000.0), 600.0, 400.0).apply(CameraAction::Zoom { factor: 4.0 });
    let vh = camera.viewport.1;
    let low = (100.0, 1_900.0, 120.0, 50.0);
    let revealed = camera.apply(CameraAction::Reveal {
        x: low.0,
        y: low.1,
        width: low.2,
        height: low.3,
    });
    let bottom = revealed.y + (low.1 + low.3) * revealed.scale;
    assert!(
        (bottom - (vh - FIT_PAD_BOTTOM)).abs() < 1e-9,
        "the stage ends at {bottom}, the band starts at {}",
        vh - FIT_PAD_BOTTOM
    );
}

#[test]
fn a_graph_opens_readable_from_its_start_and_fit_shows_it_whole() {
    let content = (6_000.0, 600.0);
    let opening = Camera::default().apply(CameraAction::Resize {
        content,
        width: 600.0,
        max_height: 600.0,
    });
    assert_eq!(opening.scale, READABLE_SCALE);
    assert_eq!(
        (opening.x, opening.y),
        (FIT_PAD, FIT_PAD),
        "the build's start"
    );
    assert_eq!(
        opening.viewport.1,
        600.0 * READABLE_SCALE + FIT_PAD + FIT_PAD_BOTTOM
    );
    let whole = opening.apply(CameraAction::Fit {
        content,
        width: 600.0,
        max_height: 600.0,
    });
    assert!(whole.scale < READABLE_SCALE);
    assert_eq!(
        whole.viewport, opening.viewport,
        "Fit keeps the panel's height"
    );
    assert!(whole.x >= 0.0 && whole.x + 6_000.0 * whole.scale <= 600.0);
    // After Fit, a new layout is fitted whole too.
    let next = whole.apply(CameraAction::Resize {
        content: (7_000.0, 600.0),
        width: 600.0,
        max_height: 600.0,
    });
    assert!(next.x >= 0.0 && next.x + 7_000.0 * next.scale <= 600.0);
    // A graph that fits at the readable zoom opens whole and centred.
    let small = Camera::default().apply(CameraAction::Resize {
        content: (900.0, 300.0),
        width: 600.0,
        max_height: 600.0,
    });
    let whole_small = Camera::whole((900.0, 300.0), 600.0, 600.0);
    assert_eq!(
        (small.scale, small.x, small.y, small.viewport),
        (
            whole_small.scale,
            whole_small.x,
            whole_small.y,
            whole_small.viewport
        )
    );
}

#[test]
fn a_narrow_viewport_stacks_a_wide_graph_and_keeps_a_small_one_across() {
    // Four stages in a chain: over a thousand units across, far too wide for a phone.
    let chain = view_of("FROM alpine AS a\nFROM a AS b\nFROM b AS c\nFROM c AS d\nRUN echo\n");
    assert_eq!(
        layout_for_width(&chain, None).direction,
        Direction::LeftToRight
    );
    assert_eq!(
        layout_for_width(&chain, narrow_width(320.0)).direction,
        Direction::TopToBottom
    );
    // Wide viewports never stack; widths are bucketed so resizing re-lays out rarely.
    assert_eq!(narrow_width(900.0), None);
    assert_eq!(narrow_width(0.0), None);
    assert_eq!(narrow_width(359.0), Some(320));
    // One small stage fits a phone across, so it stays as it is.
    let one = view_of("FROM scratch\nCOPY a /a\n");
    let across = layout_for_width(&one, None);
    assert!(across.width * READABLE_SCALE <= 320.0, "{}", across.width);
    assert_eq!(
        layout_for_width(&one, narrow_width(320.0)).direction,
        Direction::LeftToRight
    );
    // Stacked, the levels are rows: the chain is taller than it is wide.
    let stacked = layout_for_width(&chain, narrow_width(320.0));
    assert!(stacked.height > stacked.width);
}
