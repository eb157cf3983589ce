//! A small multi-line text box for the reviewer's feedback.

/// Text with a cursor; lines never contain '\n'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBox {
    pub lines: Vec<String>,
    /// (line, character) of the cursor.
    pub cursor: (usize, usize),
}

impl Default for TextBox {
    fn default() -> Self {
        Self {
            lines: vec![String::new()],
            cursor: (0, 0),
        }
    }
}

fn byte_at(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i)
}

impl TextBox {
    #[must_use]
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(|l| l.trim().is_empty())
    }

    pub fn insert(&mut self, c: char) {
        let (row, col) = self.cursor;
        let line = &mut self.lines[row];
        let at = byte_at(line, col);
        line.insert(at, c);
        self.cursor.1 += 1;
    }

    pub fn insert_str(&mut self, text: &str) {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                self.newline();
            }
            for c in part.chars() {
                self.insert(c);
            }
        }
    }

    pub fn newline(&mut self) {
        let (row, col) = self.cursor;
        let at = byte_at(&self.lines[row], col);
        let rest = self.lines[row].split_off(at);
        self.lines.insert(row + 1, rest);
        self.cursor = (row + 1, 0);
    }

    pub fn backspace(&mut self) {
        let (row, col) = self.cursor;
        if col > 0 {
            let line = &mut self.lines[row];
            let at = byte_at(line, col - 1);
            line.remove(at);
            self.cursor.1 -= 1;
        } else if row > 0 {
            let line = self.lines.remove(row);
            let prev = &mut self.lines[row - 1];
            let len = prev.chars().count();
            prev.push_str(&line);
            self.cursor = (row - 1, len);
        }
    }

    pub fn left(&mut self) {
        if self.cursor.1 > 0 {
            self.cursor.1 -= 1;
        } else if self.cursor.0 > 0 {
            self.cursor.0 -= 1;
            self.cursor.1 = self.lines[self.cursor.0].chars().count();
        }
    }

    pub fn right(&mut self) {
        let len = self.lines[self.cursor.0].chars().count();
        if self.cursor.1 < len {
            self.cursor.1 += 1;
        } else if self.cursor.0 + 1 < self.lines.len() {
            self.cursor = (self.cursor.0 + 1, 0);
        }
    }

    pub fn up(&mut self) {
        if self.cursor.0 > 0 {
            self.cursor.0 -= 1;
            self.clamp();
        }
    }

    pub fn down(&mut self) {
        if self.cursor.0 + 1 < self.lines.len() {
            self.cursor.0 += 1;
            self.clamp();
        }
    }

    fn clamp(&mut self) {
        let len = self.lines[self.cursor.0].chars().count();
        self.cursor.1 = self.cursor.1.min(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_across_lines() {
        let mut t = TextBox::default();
        t.insert_str("héllo\nworld");
        assert_eq!(t.text(), "héllo\nworld");
        t.up();
        t.backspace();
        t.insert('!');
        assert_eq!(t.text(), "héll!\nworld");
        t.down();
        t.cursor.1 = 0;
        t.backspace();
        assert_eq!(t.text(), "héll!world");
        assert!(!t.is_blank());
    }
}
