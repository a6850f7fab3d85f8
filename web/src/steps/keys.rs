//! The step-through's keys, by what has the focus inside the panel: arrows step, Home and
//! End go to the first and last step, space plays or pauses, except where the focused
//! control already gives the key a meaning (a button clicks on space, the scrubber moves
//! on arrows, Home and End).

/// What kind of element the key was pressed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The panel itself or anything in it without keys of its own (text, the tree's rows).
    Panel,
    /// A button: space and Enter press it.
    Button,
    /// The scrubber (a range input): arrows, Home and End move it, and moving it steps.
    Range,
    /// A control that takes typing or arrows (select, text input, textarea).
    Field,
}

impl Focus {
    /// The focus kind of an element, from its tag name and (for inputs) type.
    pub fn of(tag: &str, input_type: &str) -> Focus {
        match (tag.to_ascii_uppercase().as_str(), input_type) {
            ("BUTTON", _) => Focus::Button,
            ("INPUT", "range") => Focus::Range,
            ("INPUT", "button" | "checkbox" | "radio" | "submit" | "reset") => Focus::Button,
            ("INPUT" | "SELECT" | "TEXTAREA", _) => Focus::Field,
            _ => Focus::Panel,
        }
    }
}

/// What a key asks the player to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Back,
    Forward,
    First,
    Last,
    PlayOrPause,
}

/// The command for `key` pressed on `focus`; `modified` is any of Ctrl, Alt or Meta held
/// (Alt+Left is the browser's Back, Ctrl+Home scrolls: never taken).
pub fn command(key: &str, focus: Focus, modified: bool) -> Option<Command> {
    if modified || focus == Focus::Field {
        return None;
    }
    let moves = focus != Focus::Range;
    match key {
        "ArrowLeft" if moves => Some(Command::Back),
        "ArrowRight" if moves => Some(Command::Forward),
        "Home" if moves => Some(Command::First),
        "End" if moves => Some(Command::Last),
        " " | "Spacebar" if focus != Focus::Button => Some(Command::PlayOrPause),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_home_and_end_step_on_the_panel_and_its_buttons() {
        for focus in [Focus::Panel, Focus::Button] {
            assert_eq!(command("ArrowLeft", focus, false), Some(Command::Back));
            assert_eq!(command("ArrowRight", focus, false), Some(Command::Forward));
            assert_eq!(command("Home", focus, false), Some(Command::First));
            assert_eq!(command("End", focus, false), Some(Command::Last));
        }
    }

    #[test]
    fn space_plays_except_on_a_button_which_it_presses() {
        assert_eq!(
            command(" ", Focus::Panel, false),
            Some(Command::PlayOrPause)
        );
        assert_eq!(
            command(" ", Focus::Range, false),
            Some(Command::PlayOrPause)
        );
        assert_eq!(command(" ", Focus::Button, false), None);
    }

    #[test]
    fn the_scrubber_and_fields_keep_their_own_keys() {
        for key in ["ArrowLeft", "ArrowRight", "Home", "End"] {
            assert_eq!(command(key, Focus::Range, false), None, "{key}");
            assert_eq!(command(key, Focus::Field, false), None, "{key}");
        }
        assert_eq!(command(" ", Focus::Field, false), None);
        assert_eq!(
            command("ArrowLeft", Focus::Panel, true),
            None,
            "Alt+Left is Back"
        );
        assert_eq!(command("a", Focus::Panel, false), None);
    }

    #[test]
    fn elements_map_to_their_focus_kind() {
        assert_eq!(Focus::of("BUTTON", ""), Focus::Button);
        assert_eq!(Focus::of("INPUT", "range"), Focus::Range);
        assert_eq!(Focus::of("INPUT", "text"), Focus::Field);
        assert_eq!(Focus::of("select", ""), Focus::Field);
        assert_eq!(Focus::of("TEXTAREA", ""), Focus::Field);
        assert_eq!(Focus::of("DIV", ""), Focus::Panel);
        assert_eq!(Focus::of("g", ""), Focus::Panel);
    }
}
