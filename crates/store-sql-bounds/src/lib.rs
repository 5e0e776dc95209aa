//! `#[any_sql_database]` on an `impl<DB> … for SqlStore<DB>` adds the bounds that every statement
//! in `hotline-store-sql` needs of the database: that its driver encodes the parameter types
//! used and runs queries on pools and connections. Rust does not carry such bounds through a
//! trait of their own (only bounds on `Self` are implied), so without this each impl would
//! repeat eighteen lines; a `macro_rules!` wrapper would hide the impl from rustfmt.

use proc_macro::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Error, ItemImpl, Token, WherePredicate, parse_macro_input, parse_quote};

/// Adds the database bounds to the `where` clause of an impl generic over `DB`.
#[proc_macro_attribute]
pub fn any_sql_database(args: TokenStream, item: TokenStream) -> TokenStream {
    parse_macro_input!(args as syn::parse::Nothing);
    let mut item = parse_macro_input!(item as ItemImpl);
    let generic_over_db = item.generics.type_params().any(|param| param.ident == "DB");
    if !generic_over_db {
        return Error::new_spanned(&item.generics, "any_sql_database needs an impl<DB>")
            .to_compile_error()
            .into();
    }
    let bounds: Punctuated<WherePredicate, Token![,]> = parse_quote! {
        DB: ::sqlx::Database + ::sqlx::database::HasStatementCache,
        for<'c> &'c ::sqlx::Pool<DB>: ::sqlx::Executor<'c, Database = DB>,
        for<'c> &'c mut DB::Connection: ::sqlx::Executor<'c, Database = DB>,
        for<'q> DB::Arguments<'q>: ::sqlx::IntoArguments<'q, DB>,
        for<'q> &'q str: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<&'q str>: ::sqlx::Encode<'q, DB>,
        for<'q> String: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<String>: ::sqlx::Encode<'q, DB>,
        for<'q> i64: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<i64>: ::sqlx::Encode<'q, DB>,
        for<'q> i32: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<i32>: ::sqlx::Encode<'q, DB>,
        for<'q> bool: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> ::chrono::DateTime<::chrono::Utc>: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<::chrono::DateTime<::chrono::Utc>>: ::sqlx::Encode<'q, DB>,
        for<'q> Vec<u8>: ::sqlx::Encode<'q, DB> + ::sqlx::Type<DB>,
        for<'q> Option<Vec<u8>>: ::sqlx::Encode<'q, DB>,
        DB::Row: crate::rows::Columns,
    };
    item.generics.make_where_clause().predicates.extend(bounds);
    item.into_token_stream().into()
}
