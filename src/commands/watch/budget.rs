//! The day's AI budget among runs worked on at once. Each run that takes the AI path holds a
//! share of what is left (neither spent nor held by another run) until what it spent is
//! recorded; a share is what is left split among the lanes not holding one, so runs side by side
//! can never spend more than the day's budget between them, and one run alone may spend it all.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Budget {
    held: Mutex<Held>,
    released: Notify,
}

#[derive(Debug, Default)]
struct Held {
    /// Cents held by runs under way.
    cents: u64,
    /// Runs holding a share.
    runs: u32,
    /// Lanes of the pass (runs that may take the AI path at once).
    lanes: u32,
}

/// One run's share: released (and any run waiting for one woken) when dropped.
#[derive(Debug)]
pub struct Share<'a> {
    budget: &'a Budget,
    pub cents: u64,
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        {
            let mut held = self.budget.held();
            held.cents = held.cents.saturating_sub(self.cents);
            held.runs = held.runs.saturating_sub(1);
        }
        self.budget.released.notify_waiters();
    }
}

/// What asking for a share came to.
#[derive(Debug)]
pub enum Asked<'a> {
    Held(Share<'a>),
    /// Nothing is free now, but runs under way hold shares (they may spend less).
    Wait,
    /// Today's budget is spent.
    Spent,
}

impl Budget {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lanes of a pass: how many runs may ask for a share at once.
    pub fn set_lanes(&self, lanes: u32) {
        self.held().lanes = lanes.max(1);
    }

    /// A share of `left` (today's budget less what is spent, in cents).
    pub fn ask(&self, left: u64) -> Asked<'_> {
        let mut held = self.held();
        let free = left.saturating_sub(held.cents);
        let lanes = u64::from(held.lanes.saturating_sub(held.runs).max(1));
        // At least a cent while any is free, so a last cent is not called spent.
        let cents = (free / lanes).max(free.min(1));
        if cents == 0 {
            return if held.runs > 0 {
                Asked::Wait
            } else {
                Asked::Spent
            };
        }
        held.cents += cents;
        held.runs += 1;
        Asked::Held(Share {
            budget: self,
            cents,
        })
    }

    /// Waits until a share is released; `ask` again then.
    pub async fn released(&self) {
        let released = self.released.notified();
        tokio::pin!(released);
        released.as_mut().enable();
        if self.held().runs == 0 {
            return;
        }
        released.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(asked: &Asked<'_>) -> Option<u64> {
        match asked {
            Asked::Held(share) => Some(share.cents),
            _ => None,
        }
    }

    #[test]
    fn one_lane_may_spend_it_all() {
        let budget = Budget::default();
        budget.set_lanes(1);
        let share = budget.ask(2000);
        assert_eq!(cents(&share), Some(2000));
        drop(share);
        assert_eq!(cents(&budget.ask(2000)), Some(2000));
    }

    #[test]
    fn lanes_side_by_side_never_hold_more_than_is_left() {
        let budget = Budget::default();
        budget.set_lanes(3);
        let a = budget.ask(300);
        let b = budget.ask(300);
        let c = budget.ask(300);
        let shares: Vec<u64> = [&a, &b, &c].iter().filter_map(|s| cents(s)).collect();
        assert_eq!(shares, [100, 100, 100]);
        // A fourth run (more runs than lanes, or nothing free) waits for one to finish.
        assert!(matches!(budget.ask(300), Asked::Wait));
        drop(b);
        // The run that finished spent 40 of its 100: 260 left, 200 held, 60 free.
        assert_eq!(cents(&budget.ask(260)), Some(60));
    }

    #[test]
    fn a_spent_budget_is_said_and_not_waited_for() {
        let budget = Budget::default();
        budget.set_lanes(2);
        assert!(matches!(budget.ask(0), Asked::Spent));
        assert!(matches!(budget.ask(1), Asked::Held(_)));
    }
}
