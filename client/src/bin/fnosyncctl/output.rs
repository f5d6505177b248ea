//! How results are shown: `table` for people (coloured on a terminal unless
//! `NO_COLOR` is set) or `json`, one object per line. Owns formatting only.

use std::io::IsTerminal;

use clap::ValueEnum;
use serde_json::Value;

/// The output format.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Output {
    /// Aligned text for people.
    Table,
    /// One JSON object per line (one per item for lists).
    Json,
}

/// The colour of a state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Completed, verified, valid, active: green.
    Good,
    /// Failed, invalid, expired: red.
    Bad,
    /// Errors, partial failures, paused, needs attention: yellow.
    Warn,
    /// Queued or running: cyan.
    Busy,
    /// Cancelled, not configured: dim.
    Muted,
}

/// Prints results in the chosen format.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    /// The chosen format.
    pub output: Output,
    color: bool,
}

/// Tells whether to colour: only table output to a terminal, and never when
/// `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn color_enabled(output: Output, is_terminal: bool, no_color: Option<&str>) -> bool {
    output == Output::Table && is_terminal && no_color.is_none_or(str::is_empty)
}

impl Printer {
    /// Builds a printer for stdout as it is.
    pub fn for_stdout(output: Output) -> Self {
        let no_color = std::env::var("NO_COLOR").ok();
        let color = color_enabled(output, std::io::stdout().is_terminal(), no_color.as_deref());
        Self { output, color }
    }

    /// Tells whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.output == Output::Json
    }

    /// Tells whether state words are coloured.
    pub fn colored(&self) -> bool {
        self.color
    }

    /// Prints one JSON object on its own line.
    pub fn json(&self, value: Value) {
        println!("{value}");
    }

    /// Wraps `text` in the tone's colour when colouring.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Bad => "31",
            Tone::Warn => "33",
            Tone::Busy => "36",
            Tone::Muted => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Pads `text` to `width`, then colours it, so columns stay aligned.
    pub fn paint_padded(&self, tone: Tone, text: &str, width: usize) -> String {
        self.paint(tone, &format!("{text:<width$}"))
    }
}

/// Shortens a proto enum name: `SYNC_RUN_STATE_COMPLETED` → `COMPLETED`; an
/// unset value (`…_UNSPECIFIED`) becomes the empty string.
pub fn short_name(full: &str, prefix: &str) -> String {
    match full.strip_prefix(prefix).unwrap_or(full) {
        "UNSPECIFIED" => String::new(),
        short => short.to_string(),
    }
}

/// Formats a timestamp in RFC 3339 (UTC), or `-` when unset.
pub fn time_text(time: Option<&prost_types::Timestamp>) -> String {
    time.map_or_else(|| "-".to_string(), ToString::to_string)
}

/// Formats a timestamp for JSON: an RFC 3339 string, or null when unset.
pub fn time_json(time: Option<&prost_types::Timestamp>) -> Value {
    time.map_or(Value::Null, |t| Value::String(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_table_output_and_no_no_color() {
        assert!(color_enabled(Output::Table, true, None));
        assert!(color_enabled(Output::Table, true, Some("")));
        assert!(!color_enabled(Output::Table, true, Some("1")));
        assert!(!color_enabled(Output::Table, false, None));
        assert!(!color_enabled(Output::Json, true, None));
    }

    #[test]
    fn painting_wraps_in_ansi_codes_only_when_colouring() {
        let plain = Printer {
            output: Output::Table,
            color: false,
        };
        let colored = Printer {
            output: Output::Table,
            color: true,
        };
        assert_eq!(plain.paint(Tone::Bad, "FAILED"), "FAILED");
        assert_eq!(
            colored.paint(Tone::Good, "COMPLETED"),
            "\x1b[32mCOMPLETED\x1b[0m"
        );
        assert_eq!(
            colored.paint_padded(Tone::Warn, "ERROR", 7),
            "\x1b[33mERROR  \x1b[0m"
        );
    }

    #[test]
    fn enum_names_lose_their_prefix_and_unset_values_their_name() {
        assert_eq!(
            short_name("SYNC_RUN_STATE_COMPLETED", "SYNC_RUN_STATE_"),
            "COMPLETED"
        );
        assert_eq!(
            short_name("SALESFORCE_AUTH_FLOW_UNSPECIFIED", "SALESFORCE_AUTH_FLOW_"),
            ""
        );
    }

    #[test]
    fn timestamps_print_as_rfc3339() {
        let time = prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        };
        assert_eq!(time_text(Some(&time)), "2023-11-14T22:13:20Z");
        assert_eq!(time_json(None), Value::Null);
    }
}
