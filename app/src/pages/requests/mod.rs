//! Permission requests: the filtered list and the review page.
mod list;
mod review;

pub use list::RequestsPage;
pub use review::RequestPage;
