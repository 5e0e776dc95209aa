//! Message catalogues (Fluent): Vietnamese first, English second. Pages ask a `Tr` for text by
//! key; a key missing from a catalogue shows as the key itself, and a test checks that both
//! catalogues hold the same keys.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;
use unic_langid::{LanguageIdentifier, langid};

const VI: &str = include_str!("../locales/vi.ftl");
const EN: &str = include_str!("../locales/en.ftl");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

pub struct Catalogues {
    vi: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

#[derive(Debug, thiserror::Error)]
#[error("message catalogue error: {0}")]
pub struct CatalogueError(String);

fn bundle(
    lang: LanguageIdentifier,
    source: &str,
) -> Result<FluentBundle<FluentResource>, CatalogueError> {
    let resource = FluentResource::try_new(source.to_owned())
        .map_err(|(_, errors)| CatalogueError(format!("{lang}: {errors:?}")))?;
    let mut bundle = FluentBundle::new_concurrent(vec![lang.clone()]);
    // Unicode isolation marks would show up inside HTML attributes and e-mail subjects.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| CatalogueError(format!("{lang}: {errors:?}")))?;
    Ok(bundle)
}

impl Catalogues {
    pub fn load() -> Result<Arc<Self>, CatalogueError> {
        Ok(Arc::new(Self {
            vi: bundle(langid!("vi"), VI)?,
            en: bundle(langid!("en"), EN)?,
        }))
    }

    pub fn tr(self: &Arc<Self>, lang: Lang) -> Tr {
        Tr {
            catalogues: self.clone(),
            lang,
        }
    }
}

/// Text in one language, handed to templates.
#[derive(Clone)]
pub struct Tr {
    catalogues: Arc<Catalogues>,
    pub lang: Lang,
}

impl Tr {
    fn bundle(&self) -> &FluentBundle<FluentResource> {
        match self.lang {
            Lang::Vi => &self.catalogues.vi,
            Lang::En => &self.catalogues.en,
        }
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        // Fluent identifiers cannot hold dots; field paths such as `contact.phone` do.
        let id = key.replace('.', "_");
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) else {
            tracing::warn!(key = %id, lang = self.lang.code(), "missing catalogue entry");
            return id;
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// The text for `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text for `key` with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), value.into());
        self.format(key, Some(&args))
    }

    /// The text for `key` with two named arguments.
    pub fn t2(
        &self,
        key: &str,
        (first, first_value): (&str, String),
        (second, second_value): (&str, String),
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(first.to_owned(), first_value);
        args.set(second.to_owned(), second_value);
        self.format(key, Some(&args))
    }

    /// The text for `key` with any number of named arguments.
    pub fn tn(&self, key: &str, named: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in named {
            args.set((*name).to_owned(), value.clone());
        }
        self.format(key, Some(&args))
    }

    pub fn has(&self, key: &str) -> bool {
        self.bundle().has_message(&key.replace('.', "_"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
            .filter(|k| !k.starts_with(' ') && !k.starts_with('#'))
            .collect()
    }

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        assert_eq!(keys(VI), keys(EN));
        let c = Catalogues::load().unwrap();
        for key in keys(VI) {
            assert!(c.tr(Lang::Vi).has(key));
            assert!(c.tr(Lang::En).has(key));
        }
    }

    #[test]
    fn vietnamese_comes_with_diacritics_and_arguments_fill_in() {
        let c = Catalogues::load().unwrap();
        assert_eq!(c.tr(Lang::Vi).t("login-submit"), "Đăng nhập");
        assert_eq!(c.tr(Lang::En).t("login-submit"), "Sign in");
        assert_eq!(
            c.tr(Lang::Vi).t("field-contact.phone-invalid"),
            "Số điện thoại không hợp lệ."
        );
        assert!(
            c.tr(Lang::Vi)
                .t1("inbox-count", "count", 3)
                .starts_with("3 ")
        );
    }
}
