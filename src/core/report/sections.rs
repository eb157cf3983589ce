//! The part of the report a pipeline writes itself, between the input and the checkpoints.

use crate::core::view::RunView;

pub trait Sections: Sync {
    fn write(&self, view: &RunView, md: &mut String);
}

/// The sections of a pipeline that writes none of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSections;

impl Sections for NoSections {
    fn write(&self, _view: &RunView, _md: &mut String) {}
}
