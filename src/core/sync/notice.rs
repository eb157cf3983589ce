//! What a finished sync is worth telling the notification sinks, and in what words: a PR ready
//! to merge (created), one that needs review, a blocked sync.

use super::verdict::READY;
use crate::core::notify::NotificationKind;

/// The notice of a sync PR: created ready to merge, or needing review.
#[must_use]
pub fn pr_notice(what: &str, number: u64, labels: &[String]) -> (NotificationKind, String) {
    if labels.iter().any(|l| l == READY) {
        (
            NotificationKind::Created,
            format!("Upstream {what}: sync PR #{number} ready to merge"),
        )
    } else {
        (
            NotificationKind::NeedsReview,
            format!("Upstream {what}: sync PR #{number} needs review"),
        )
    }
}

/// The notice of a blocked sync.
#[must_use]
pub fn blocked_notice(what: &str, reasons: &[String]) -> String {
    format!(
        "Upstream {what}: the sync is blocked ({})",
        reasons.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_pr_is_created_and_any_other_needs_review() {
        let ready = ["automated-sync".to_owned(), "ready".to_owned()];
        let (kind, title) = pr_notice("v1.2.0", 21, &ready);
        assert_eq!(kind, NotificationKind::Created);
        assert_eq!(title, "Upstream v1.2.0: sync PR #21 ready to merge");
        let (kind, _) = pr_notice("v1.2.0", 21, &["needs-review".to_owned()]);
        assert_eq!(kind, NotificationKind::NeedsReview);
        assert!(blocked_notice("v2", &["LICENSE is protected".into()]).contains("LICENSE"));
    }
}
