//! Colours in child output: SGR sequences become ratatui styles; every other control sequence is
//! dropped, so nothing a log says can move the cursor or retitle the terminal.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// One line of output as styled spans (plain when `color` is off).
#[must_use]
pub(crate) fn line(text: &str, base: Style, color: bool) -> Line<'static> {
    let mut spans = Vec::new();
    let mut style = base;
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut last = ' ';
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            last = p;
                            break;
                        }
                        params.push(p);
                    }
                    if last == 'm' && color {
                        if !current.is_empty() {
                            spans.push(Span::styled(std::mem::take(&mut current), style));
                        }
                        style = apply_sgr(style, base, &params);
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(p) = chars.next() {
                        if p == '\u{7}' || (p == '\u{1b}' && chars.peek() == Some(&'\\')) {
                            if p == '\u{1b}' {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            }
        } else if c == '\t' {
            current.push_str("    ");
        } else if !c.is_control() && !is_bidi_control(c) {
            current.push(c);
        }
    }
    if !current.is_empty() {
        spans.push(Span::styled(current, style));
    }
    Line::from(spans)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn apply_sgr(mut style: Style, base: Style, params: &str) -> Style {
    let codes: Vec<u16> = if params.is_empty() {
        vec![0]
    } else {
        params.split(';').map(|p| p.parse().unwrap_or(0)).collect()
    };
    let mut i = 0;
    while i < codes.len() {
        match codes[i] {
            0 => style = base,
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => style = style.add_modifier(Modifier::UNDERLINED),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            n @ 30..=37 => style = style.fg(basic(n - 30, false)),
            n @ 90..=97 => style = style.fg(basic(n - 90, true)),
            39 => style = style.fg(base.fg.unwrap_or(Color::Reset)),
            n @ 40..=47 => style = style.bg(basic(n - 40, false)),
            n @ 100..=107 => style = style.bg(basic(n - 100, true)),
            49 => style = style.bg(base.bg.unwrap_or(Color::Reset)),
            38 | 48 => {
                let fg = codes[i] == 38;
                let color = match codes.get(i + 1) {
                    Some(5) => {
                        i += 2;
                        codes
                            .get(i)
                            .map(|n| Color::Indexed(u8::try_from(*n).unwrap_or(7)))
                    }
                    Some(2) => {
                        let rgb: Vec<u8> = codes
                            .iter()
                            .skip(i + 2)
                            .take(3)
                            .map(|n| u8::try_from(*n).unwrap_or(0))
                            .collect();
                        i += 4;
                        (rgb.len() == 3).then(|| Color::Rgb(rgb[0], rgb[1], rgb[2]))
                    }
                    _ => None,
                };
                if let Some(color) = color {
                    style = if fg { style.fg(color) } else { style.bg(color) };
                }
            }
            _ => {}
        }
        i += 1;
    }
    style
}

fn basic(n: u16, bright: bool) -> Color {
    match (n, bright) {
        (0, false) => Color::Black,
        (1, false) => Color::Red,
        (2, false) => Color::Green,
        (3, false) => Color::Yellow,
        (4, false) => Color::Blue,
        (5, false) => Color::Magenta,
        (6, false) => Color::Cyan,
        (7, false) => Color::Gray,
        (0, true) => Color::DarkGray,
        (1, true) => Color::LightRed,
        (2, true) => Color::LightGreen,
        (3, true) => Color::LightYellow,
        (4, true) => Color::LightBlue,
        (5, true) => Color::LightMagenta,
        (6, true) => Color::LightCyan,
        _ => Color::White,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_colours_and_drops_other_controls() {
        let l = line(
            "\u{1b}[31mFAIL\u{1b}[0m ok\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J!",
            Style::default(),
            true,
        );
        assert_eq!(l.spans[0].content, "FAIL");
        assert_eq!(l.spans[0].style.fg, Some(Color::Red));
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "FAIL ok!");
        let plain = line("\u{1b}[31mFAIL\u{1b}[0m", Style::default(), false);
        assert_eq!(plain.spans[0].style.fg, None);
    }
}
