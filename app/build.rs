//! Collects the CSS of every `style!` block into style/stylers.gen.css.
fn main() {
    println!("cargo:rerun-if-changed=src");
    stylers::build(Some(String::from("../style/stylers.gen.css")));
}
