//! Short forms of the reqwest calls the tests make again and again.
//!
//! Each one sends one request, and fails the test with the error when the
//! request cannot be sent or its body cannot be read as asked. None of them
//! looks at the status: a test asserts the status it expects.

use reqwest::{Client, IntoUrl, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// What a request goes to: a `String`, a `&str` or a parsed URL.
pub trait Url: IntoUrl + Send {}
impl<U: IntoUrl + Send> Url for U {}

/// What an answer is read as: any JSON type.
pub trait Answer: DeserializeOwned + Send {}
impl<A: DeserializeOwned + Send> Answer for A {}

/// What a request sends: a form or a JSON body.
pub trait Body: Serialize + Sync {}
impl<B: Serialize + ?Sized + Sync> Body for B {}

/// Sending a request built by hand (with a token, a header, a query).
pub trait Fetch {
    /// Sends it: the response.
    fn fetch(self) -> impl Future<Output = Response> + Send;
    /// Sends it: the response's status.
    fn fetch_status(self) -> impl Future<Output = StatusCode> + Send;
    /// Sends it: the body read as JSON, whatever the status.
    fn fetch_json<T: Answer>(self) -> impl Future<Output = T> + Send;
    /// Sends it: the body as text, whatever the status.
    fn fetch_text(self) -> impl Future<Output = String> + Send;
}

/// Longer than any request of a test takes: past it, a request that gets
/// no answer fails its test, naming the URL, instead of holding the run.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

impl Fetch for RequestBuilder {
    async fn fetch(self) -> Response {
        let sent = self.timeout(REQUEST_TIMEOUT).send().await;
        sent.unwrap_or_else(|e| panic!("request not sent: {e}"))
    }

    async fn fetch_status(self) -> StatusCode {
        self.fetch().await.status()
    }

    async fn fetch_json<T: Answer>(self) -> T {
        json_of(self.fetch().await).await
    }

    async fn fetch_text(self) -> String {
        text_of(self.fetch().await).await
    }
}

/// A response's body as text.
pub async fn text_of(r: Response) -> String {
    let url = r.url().clone();
    let text = r.text().await;
    text.unwrap_or_else(|e| panic!("body of {url} not read: {e}"))
}

/// A response's body read as JSON `T`; when it is not, the message holds
/// the status, the URL and the body.
pub async fn json_of<T: DeserializeOwned>(r: Response) -> T {
    let (status, url) = (r.status(), r.url().clone());
    let body = text_of(r).await;
    serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{status} from {url} is not the JSON wanted ({e}): {body}"))
}

/// The requests of one client by URL: `get_*` and `post_*` name the method,
/// `_json`, `_text` and `_status` what is read of the answer.
pub trait Http {
    /// `GET url`: the status.
    fn get_status(&self, url: impl Url) -> impl Future<Output = StatusCode> + Send;
    /// `GET url`: the body read as JSON.
    fn get_json<T: Answer>(&self, url: impl Url) -> impl Future<Output = T> + Send;
    /// `GET url`: the body as text.
    fn get_text(&self, url: impl Url) -> impl Future<Output = String> + Send;
    /// `POST url` with no body: the response.
    fn post_empty(&self, url: impl Url) -> impl Future<Output = Response> + Send;
    /// `POST url` with no body: the status.
    fn post_status(&self, url: impl Url) -> impl Future<Output = StatusCode> + Send;
    /// `POST url` with no body: the answer read as JSON.
    fn post_json<T: Answer>(&self, url: impl Url) -> impl Future<Output = T> + Send;
    /// `POST url` with `form` URL-encoded: the response.
    fn post_form<F: Body + ?Sized>(
        &self,
        url: impl Url,
        form: &F,
    ) -> impl Future<Output = Response> + Send;
    /// `POST url` with `form` URL-encoded: the answer read as JSON.
    fn post_form_json<T: Answer, F: Body + ?Sized>(
        &self,
        url: impl Url,
        form: &F,
    ) -> impl Future<Output = T> + Send;
    /// `POST url` with `body` as JSON: the response.
    fn post_json_body<B: Body + ?Sized>(
        &self,
        url: impl Url,
        body: &B,
    ) -> impl Future<Output = Response> + Send;
}

impl Http for Client {
    async fn get_status(&self, url: impl Url) -> StatusCode {
        self.get(url).fetch_status().await
    }

    async fn get_json<T: Answer>(&self, url: impl Url) -> T {
        self.get(url).fetch_json().await
    }

    async fn get_text(&self, url: impl Url) -> String {
        self.get(url).fetch_text().await
    }

    async fn post_empty(&self, url: impl Url) -> Response {
        self.post(url).fetch().await
    }

    async fn post_status(&self, url: impl Url) -> StatusCode {
        self.post(url).fetch_status().await
    }

    async fn post_json<T: Answer>(&self, url: impl Url) -> T {
        self.post(url).fetch_json().await
    }

    async fn post_form<F: Body + ?Sized>(&self, url: impl Url, form: &F) -> Response {
        self.post(url).form(form).fetch().await
    }

    async fn post_form_json<T: Answer, F: Body + ?Sized>(&self, url: impl Url, form: &F) -> T {
        self.post(url).form(form).fetch_json().await
    }

    async fn post_json_body<B: Body + ?Sized>(&self, url: impl Url, body: &B) -> Response {
        self.post(url).json(body).fetch().await
    }
}

/// The value of query parameter `name` in `url`.
pub fn query_param(url: &str, name: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("{url} is no URL: {e}"));
    let value = url.query_pairs().find(|(k, _)| k == name);
    value.map_or_else(|| panic!("no {name} in {url}"), |(_, v)| v.into_owned())
}
