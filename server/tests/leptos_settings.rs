//! Leptos.toml (read by the server at run time) and Cargo.toml's
//! [[workspace.metadata.leptos]] (read by cargo-leptos) must agree.
#![allow(clippy::unwrap_used)]

#[test]
fn leptos_toml_and_cargo_metadata_agree() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let leptos: toml::Table =
        toml::from_str(&std::fs::read_to_string(format!("{root}/Leptos.toml")).unwrap()).unwrap();
    let cargo: toml::Table =
        toml::from_str(&std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap()).unwrap();
    let run = &leptos["package"]["metadata"]["leptos"];
    let build = &cargo["workspace"]["metadata"]["leptos"][0];
    for key in [
        "output-name",
        "site-root",
        "site-pkg-dir",
        "site-addr",
        "reload-port",
    ] {
        assert_eq!(
            run.get(key),
            build.get(key),
            "{key} differs between Leptos.toml and Cargo.toml"
        );
    }
    let opts = leptos_config::get_configuration(Some(&format!("{root}/Leptos.toml")))
        .unwrap()
        .leptos_options;
    assert_eq!(&*opts.output_name, "web");
    assert_eq!(opts.site_addr.to_string(), "127.0.0.1:3000");
}
