//! The names the page shell links the browser bundle by. A release site
//! (`scripts/lib.sh` `build_site_release`) names each file by its content
//! (`web.<hash>.css`) and lists the hashes in `<site-root>/hash.txt`, in the
//! format leptos's `<HydrationScripts>` reads (`js: …`, `wasm: …`, `css: …`);
//! a debug site has plain names and no such file.
use leptos::config::LeptosOptions;
use std::sync::OnceLock;

static CSS: OnceLock<String> = OnceLock::new();

/// The hash.txt path of a site, when the site was built with hashed names.
pub fn hash_file(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(&*options.site_root).join("hash.txt");
    let path = std::path::absolute(path).ok()?;
    path.is_file().then_some(path)
}

/// The hash of `kind` (`js`, `wasm`, `css`) in a hash.txt's text.
pub fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == kind)
            .then(|| v.trim())
            .filter(|v| !v.is_empty())
    })
}

/// `/pkg/web.css`, or `/pkg/web.<hash>.css` on a hashed site. Read once per
/// process: a site is rebuilt only with the server stopped.
pub fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    CSS.get_or_init(|| {
        let name = &options.output_name;
        let pkg = &options.site_pkg_dir;
        let hashed = hash_file(options)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| hash_of(&text, "css").map(str::to_owned));
        match hashed {
            Some(h) => format!("/{pkg}/{name}.{h}.css"),
            None => format!("/{pkg}/{name}.css"),
        }
    })
}

/// The stylesheet href once a server has resolved it ([`stylesheet_href`]),
/// for pages rendered outside the app.
pub fn resolved_stylesheet_href() -> &'static str {
    CSS.get().map(String::as_str).unwrap_or("/pkg/web.css")
}

#[cfg(test)]
mod tests {
    use super::hash_of;

    #[test]
    fn hashes_are_read_by_kind() {
        let text = "js: 0a1b\nwasm:ffee \ncss : c55\nsplit: \n";
        assert_eq!(hash_of(text, "js"), Some("0a1b"));
        assert_eq!(hash_of(text, "wasm"), Some("ffee"));
        assert_eq!(hash_of(text, "css"), Some("c55"));
        assert_eq!(hash_of(text, "split"), None);
        assert_eq!(hash_of(text, "manifest"), None);
    }
}
