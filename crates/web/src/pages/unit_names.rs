//! Units as the console names them: by place where they have one, else by their name.

use crate::AppState;
use crate::extract::Ctx;

/// A unit's own name with its code, as the unit list has it (a department's too), else as
/// [`unit_label`] makes it.
pub(super) async fn unit_named(
    state: &AppState,
    ctx: &Ctx,
    code: &hotline_domain::UnitCode,
) -> String {
    match state.hotline.unit_name(code).await {
        Some(name) => format!("{name} ({code})"),
        None => unit_label(state, ctx, code),
    }
}

/// A unit's name for people, from the province's or commune's name in the 2025 list.
pub(super) fn unit_label(state: &AppState, ctx: &Ctx, code: &hotline_domain::UnitCode) -> String {
    use hotline_domain::unit::UnitShape;
    let places = &state.hotline.places;
    let place = match code.shape() {
        UnitShape::Commune(p, c) => places
            .communes_of(p)
            .find(|commune| commune.code == c)
            .map(|commune| commune.name.clone()),
        UnitShape::Province(p) => places.province(p).map(|province| province.name.clone()),
        UnitShape::Ministry | UnitShape::Other => None,
    };
    match place {
        Some(name) => format!("{} ({code})", ctx.tr.t1("unit-police-of", "name", name)),
        None => code.to_string(),
    }
}
