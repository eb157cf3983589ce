//! Lists, page after page: octocrab's `Page` reads GitHub's `Link` header, and the next page is
//! fetched for as long as it names one. A page shorter than asked is not taken as the last (GitHub
//! may send fewer items than `per_page`), and neither is `total_count` trusted.

use serde::de::DeserializeOwned;

use super::GitHub;
use crate::core::error::StepError;

/// How many items fixloop asks for on each page (GitHub's most).
const PER_PAGE: &str = "100";

/// Beyond this many pages a list is taken to be looping.
const MAX_PAGES: usize = 100;

impl GitHub {
    /// Every item of the list at `route`, narrowed by the query parameters in `filters`.
    pub(super) async fn every_page<T: DeserializeOwned>(
        &self,
        route: &str,
        filters: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<T>, StepError> {
        let mut query = vec![("per_page", PER_PAGE), ("page", "1")];
        query.extend_from_slice(filters);
        let mut page: octocrab::Page<T> = self
            .send(what, || self.crab.get(route, Some(&query)))
            .await
            .map_err(|refused| refused.error)?;
        let mut items = page.take_items();
        let mut pages = 1;
        while page.next.is_some() {
            if pages == MAX_PAGES {
                return Err(StepError::unavailable(format!(
                    "{what}: GitHub's list did not end after {MAX_PAGES} pages"
                ))
                .hint(
                    "its `Link` header keeps naming a next page: check the API base it is given",
                ));
            }
            let next = self
                .send(what, || self.crab.get_page::<T>(&page.next))
                .await
                .map_err(|refused| refused.error)?;
            let Some(next) = next else { break };
            page = next;
            pages += 1;
            items.append(&mut page.take_items());
        }
        Ok(items)
    }
}
