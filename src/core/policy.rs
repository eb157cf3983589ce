//! Checkpoint policies: who answers a checkpoint when no person does (`--approve`).

use serde::{Deserialize, Serialize};

use super::event::{CheckpointKind, Decision, DecisionKind, Phase};

/// `--approve all|verified|none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Approve {
    /// Approve every step that can be approved; revise failed checks while attempts remain.
    All,
    /// Approve an AI step only when fixloop's own verification passed with nothing flagged.
    Verified,
    /// Approve nothing: stop at the first checkpoint for review.
    None,
    /// As `verified`, but a person approves the fix itself: the run stops at the fix's result
    /// for review (`fixloop review RUN_ID approve | revise "…" | abort`).
    Review,
}

impl Approve {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Verified => "verified",
            Self::None => "none",
            Self::Review => "review",
        }
    }

    /// The decision this policy takes at a checkpoint offering `options`.
    #[must_use]
    pub fn decide(self, kind: &CheckpointKind, options: &[DecisionKind]) -> Decision {
        let offers = |o: DecisionKind| options.contains(&o);
        if self == Self::None {
            return Decision::Abort {
                reason: "--approve none stops at every checkpoint".into(),
            };
        }
        match kind {
            CheckpointKind::BeforeStep { .. } | CheckpointKind::BeforePush { .. } => {
                Decision::Approve
            }
            CheckpointKind::AfterStep {
                phase,
                verified,
                findings,
                suggested_feedback,
                left,
                ..
            } => {
                // Journals from before the two were counted apart have no count: the options
                // then say it all.
                let retry = offers(DecisionKind::Revise) && left.is_none_or(|l| l.retries > 0);
                if self == Self::Review && *phase == Phase::Fix && offers(DecisionKind::Approve) {
                    Decision::Abort {
                        reason: "a person reviews the fix".into(),
                    }
                } else if offers(DecisionKind::Approve) && (*verified || self == Self::All) {
                    Decision::Approve
                } else if offers(DecisionKind::Approve) {
                    Decision::Abort {
                        reason: format!(
                            "the check passed but needs a person: {}",
                            findings.join("; ")
                        ),
                    }
                } else if retry {
                    Decision::Revise {
                        feedback: suggested_feedback.clone(),
                    }
                } else {
                    Decision::Abort {
                        reason: "attempts used up without a verified result".into(),
                    }
                }
            }
        }
    }
}
