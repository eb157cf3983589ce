//! What fixloop writes where others read it: the commit messages of the reproduction and the fix,
//! and the pull request's body.

use std::fmt::Write as _;

use super::event::{Phase, RunStatus};
use super::exit::ExitCode;
use super::report;
use super::verdict;
use super::view::{Conclusion, RunView, VerificationView};

/// GitHub refuses PR bodies over 65,536 characters; this leaves room for the frame.
const PR_BODY_LIMIT: usize = 60_000;

/// The first paragraph of the user's prompt: the gist a commit message carries.
#[must_use]
pub fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The git trailer on every commit fixloop makes, naming its run: a CI run on such a commit is
/// fixloop's own, and fixloop does not fix its own fixes (the loop guard of `fixloop ci`).
pub const RUN_TRAILER: &str = "Fixloop-Run";

/// The message of the commit that adds the failure folder.
#[must_use]
pub fn reproduction_message(name: &str, prompt: &str, run_id: &str) -> String {
    format!(
        "Add reproduction of {name} (fixloop)\n\n{}\n\n{RUN_TRAILER}: {run_id}",
        first_paragraph(prompt)
    )
}

/// The message of the fix commit, with how fixloop verified it.
#[must_use]
pub fn fix_message(
    name: &str,
    prompt: &str,
    verification: Option<&VerificationView>,
    run_id: &str,
) -> String {
    let verified = verification.map(|v| {
        format!(
            "Verified by fixloop: the reproduction (`{}`) passed {} of {} runs with the fix{}.",
            v.passes.command,
            v.passes.runs - v.passes.failures,
            v.passes.runs,
            if fails_without_fix(v) {
                " and fails without it"
            } else {
                ""
            }
        )
    });
    let verified = verified.map(|v| v + "\n\n").unwrap_or_default();
    format!(
        "Fix {name}\n\n{}\n\n{verified}{RUN_TRAILER}: {run_id}",
        first_paragraph(prompt),
    )
}

fn fails_without_fix(v: &VerificationView) -> bool {
    v.revert_check.as_ref().is_some_and(verdict::revert_proves)
}

/// The PR body: what was fixed and how it was verified, then the whole report folded away, all
/// under GitHub's limit.
#[must_use]
pub fn pr_body(view: &RunView) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "Draft fix for the CI failure **{}**, opened by fixloop.\n",
        view.name
    );
    if let Some(run) = &view.ci_run {
        let _ = writeln!(
            body,
            "Failing run: {} (`{}`)\n",
            run.html_url,
            run.failed_jobs.join("; ")
        );
    }
    if let Some((_, notes)) = view.notes.iter().find(|(p, _)| *p == Phase::Fix) {
        let _ = writeln!(body, "### Root cause\n\n{}\n", notes.trim());
    }
    if let Some(v) = view.verification() {
        let _ = writeln!(
            body,
            "### Verification\n\n- the reproduction `{}` passed {} of {} runs with the fix\n- \
             without the fix's code changes it fails again: {}\n",
            v.passes.command,
            v.passes.runs - v.passes.failures,
            v.passes.runs,
            if fails_without_fix(v) { "yes" } else { "no" }
        );
    }
    let report = report::markdown(
        view,
        &Conclusion {
            status: RunStatus::Success,
            exit_code: ExitCode::Success,
            message: "verified fix, opening the PR".into(),
        },
    );
    let room = PR_BODY_LIMIT.saturating_sub(body.len() + 200);
    let mut folded = report;
    if folded.len() > room {
        let end = floor_char_boundary(&folded, room);
        folded.truncate(end);
        folded.push_str("\n\n… (cut to fit; the whole report is in fixloop's outputs/ folder)");
    }
    let _ = write!(
        body,
        "<details><summary>Full fixloop report</summary>\n\n{folded}\n\n</details>\n"
    );
    body
}

/// The largest index at most `at` that starts a character of `text`.
#[must_use]
pub fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::TestRuns;

    fn verification(revert_failures: Option<u32>) -> VerificationView {
        VerificationView {
            attempt: 1,
            verified: true,
            passes: TestRuns {
                command: "pytest -q t.py".into(),
                runs: 3,
                ..TestRuns::default()
            },
            revert_check: revert_failures.map(|failures| TestRuns {
                runs: 1,
                failures,
                matching: failures,
                ..TestRuns::default()
            }),
            suite: None,
            findings: Vec::new(),
            diffstat: String::new(),
            diff: String::new(),
            commit: None,
            outside_check: None,
            post_fix: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn commit_messages_carry_the_gist_the_proof_and_the_run() {
        let prompt = "  add() subtracts.\n\nMore detail nobody needs in a commit.";
        assert_eq!(
            reproduction_message("add", prompt, "r-1"),
            "Add reproduction of add (fixloop)\n\nadd() subtracts.\n\nFixloop-Run: r-1"
        );
        assert_eq!(
            fix_message("add", prompt, Some(&verification(Some(1))), "r-1"),
            "Fix add\n\nadd() subtracts.\n\nVerified by fixloop: the reproduction (`pytest -q \
             t.py`) passed 3 of 3 runs with the fix and fails without it.\n\nFixloop-Run: r-1"
        );
        assert!(
            fix_message("add", prompt, Some(&verification(Some(0))), "r-1")
                .contains("with the fix.\n\n")
        );
        assert_eq!(
            fix_message("add", prompt, None, "r-1"),
            "Fix add\n\nadd() subtracts.\n\nFixloop-Run: r-1"
        );
    }

    #[test]
    fn the_pr_body_says_what_was_verified_and_fits_githubs_limit() {
        let mut view = RunView::new();
        view.name = "add".into();
        view.pipeline = crate::core::event::FAILURE_PIPELINE.into();
        view.notes.push((Phase::Fix, "the sign was wrong".into()));
        let mut v = verification(Some(1));
        v.diff = "é".repeat(80_000);
        view.verifications.push(v);
        let body = pr_body(&view);
        assert!(body.starts_with("Draft fix for the CI failure **add**, opened by fixloop."));
        assert!(body.contains("### Root cause\n\nthe sign was wrong\n"));
        assert!(body.contains(
            "passed 3 of 3 runs with the fix\n- without the fix's code changes it fails again: yes"
        ));
        assert!(body.len() < 65_536, "{}", body.len());
        assert!(body.contains("… (cut to fit") && body.ends_with("</details>\n"));
    }
}
