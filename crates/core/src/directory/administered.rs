//! Administering a province's directory: positions and contact points added, changed, ended
//! or removed, contacts verified, the widget's origins; each change audited.

use super::{
    ContactInput, DirectoryAdmin, PositionInput, account_label, day, frame_origin, optional_day,
    optional_text, required_text, sort, unit_rank,
};
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::directory::{ContactAddress, ContactKind};
use hotline_domain::{DomainError, Role, UnitCode, UnitKind};
use hotline_store::{
    DirectoryChange, DirectoryPosition, NewDirectoryContact, NewDirectoryPosition, StoreError,
};

impl Hotline {
    /// An administrator who may maintain `province`'s directory: their unit is the ministry
    /// or that province's police (or above it).
    pub(super) async fn directory_editor(&self, actor: &Actor, province: u32) -> CoreResult<()> {
        if actor.0.role != Role::Administrator {
            return Err(CoreError::Forbidden);
        }
        match self.store.unit(&UnitCode::province(province)).await {
            Ok(unit) if unit.path.starts_with(&actor.0.unit_path) => Ok(()),
            Ok(_) => Err(CoreError::Forbidden),
            Err(StoreError::NotFound) => Err(CoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// The whole of a province's directory, internal and past entries included, with the
    /// units, people and channel accounts its forms offer, for its administrators.
    pub async fn directory_for_admin(
        &self,
        actor: &Actor,
        province: u32,
    ) -> CoreResult<DirectoryAdmin> {
        self.directory_editor(actor, province).await?;
        let directory = self.province_directory(province, true).await?;
        let units = self.unit_names().await?;
        let mut unit_choices: Vec<(UnitCode, String)> = units
            .values()
            .filter(|u| {
                u.province_code == Some(province)
                    && matches!(
                        u.kind,
                        UnitKind::ProvincialPolice | UnitKind::Department | UnitKind::CommunePolice
                    )
            })
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        unit_choices.sort_by_key(|(code, _)| unit_rank(code));
        let mut people: Vec<(String, String)> = directory
            .leaders
            .iter()
            .chain(directory.past.iter())
            .map(|l| (l.person_key.clone(), l.full_name.clone()))
            .collect();
        people.sort();
        people.dedup();
        let accounts = self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .filter(|a| {
                units
                    .get(&a.unit)
                    .is_some_and(|u| u.province_code == Some(province))
            })
            .map(|a| (a.id, account_label(&a)))
            .collect();
        Ok(DirectoryAdmin {
            directory,
            units: unit_choices,
            people,
            accounts,
        })
    }

    /// A unit of `province` a directory entry may name: its police, a department of it or a
    /// commune police in it (created on first use).
    pub(super) async fn directory_unit(&self, province: u32, code: &str) -> CoreResult<UnitCode> {
        let code: UnitCode = code
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let unit = self
            .resolve_unit(&code)
            .await
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let in_province = unit.province_code == Some(province)
            && matches!(
                unit.kind,
                UnitKind::ProvincialPolice | UnitKind::Department | UnitKind::CommunePolice
            );
        if in_province {
            Ok(unit.code)
        } else {
            Err(DomainError::field("unit", "not_in_province").into())
        }
    }

    /// A position of `province`, present or past.
    pub(super) async fn stored_position(
        &self,
        province: u32,
        id: i64,
    ) -> CoreResult<Option<DirectoryPosition>> {
        Ok(self
            .store
            .directory(Some(province))
            .await?
            .positions
            .into_iter()
            .find(|p| p.id == id))
    }

    pub(crate) async fn new_position(
        &self,
        province: u32,
        input: &PositionInput<'_>,
    ) -> CoreResult<NewDirectoryPosition> {
        let person_key = match input.person_key.trim() {
            "" => format!("p-{}", hex::encode(rand::random::<[u8; 5]>())),
            key if key.len() <= 40
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                key.to_owned()
            }
            _ => return Err(DomainError::field("person_key", "invalid").into()),
        };
        Ok(NewDirectoryPosition {
            person_key,
            full_name: required_text("full_name", input.full_name)?,
            rank: optional_text("rank", input.rank)?,
            unit: self.directory_unit(province, input.unit).await?,
            title: required_text("title", input.title)?,
            started_on: day("started_on", input.started_on)?,
            ended_on: None,
            sort: sort(input.sort)?,
        })
    }

    pub(crate) async fn new_contact(
        &self,
        province: u32,
        input: &ContactInput<'_>,
    ) -> CoreResult<NewDirectoryContact> {
        let kind: ContactKind = input.kind.trim().parse()?;
        let address = ContactAddress::parse(kind, input.address)?;
        let position = match input.position.trim() {
            "" => None,
            id => Some(
                id.parse::<i64>()
                    .map_err(|_| DomainError::field("position", "unknown"))?,
            ),
        };
        let listening = match input.listening.trim() {
            "" => None,
            id => {
                let id = id
                    .parse::<i64>()
                    .map_err(|_| DomainError::field("listening", "unknown"))?;
                // Only an account of the province's own units.
                let account = match self.store.channel_account_by_id(id).await {
                    Ok(account) => account,
                    Err(StoreError::NotFound) => {
                        return Err(DomainError::field("listening", "unknown").into());
                    }
                    Err(e) => return Err(e.into()),
                };
                let units = self.unit_names().await?;
                if units
                    .get(&account.unit)
                    .is_none_or(|u| u.province_code != Some(province))
                {
                    return Err(DomainError::field("listening", "unknown").into());
                }
                Some(id)
            }
        };
        // A position's contact points are its unit's.
        let unit = match position {
            Some(id) => {
                self.stored_position(province, id)
                    .await?
                    .ok_or_else(|| DomainError::field("position", "unknown"))?
                    .unit
            }
            None => self.directory_unit(province, input.unit).await?,
        };
        Ok(NewDirectoryContact {
            unit,
            position,
            label: optional_text("label", input.label)?,
            address,
            public: input.public,
            hours: optional_text("hours", input.hours)?,
            verified_on: optional_day("verified_on", input.verified_on)?,
            channel_account: listening,
            sort: sort(input.sort)?,
        })
    }

    pub(super) async fn change_directory(
        &self,
        actor: &Actor,
        province: u32,
        change: DirectoryChange,
        (action, detail): (AuditAction, String),
    ) -> CoreResult<i64> {
        let id = match self
            .store
            .change_directory(province, &change, self.clock.now())
            .await
        {
            Err(StoreError::NotFound) => return Err(CoreError::NotFound),
            other => other?,
        };
        self.audit(
            Some(actor.0.id),
            action,
            &format!("directory:{province}"),
            &detail.replace("{id}", &id.to_string()),
        )
        .await?;
        Ok(id)
    }

    /// Gives a person (new, or one already in the directory) a position in a unit of the
    /// province. Audited.
    pub async fn add_directory_position(
        &self,
        actor: &Actor,
        province: u32,
        input: &PositionInput<'_>,
    ) -> CoreResult<i64> {
        self.directory_editor(actor, province).await?;
        let new = self.new_position(province, input).await?;
        // Renaming a known person shows everywhere they hold or held a position: only for
        // administrators of all those provinces.
        let all = self.store.directory(None).await?;
        if let Some(person) = all.people.iter().find(|p| p.key == new.person_key)
            && (person.full_name != new.full_name || person.rank != new.rank)
        {
            for p in all.positions.iter().filter(|p| p.person_id == person.id) {
                if self.directory_editor(actor, p.province).await.is_err() {
                    return Err(DomainError::field("person_key", "elsewhere").into());
                }
            }
        }
        let detail = format!(
            "position={{id}} person={} unit={} title={}",
            new.person_key, new.unit, new.title
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::AddPosition(new),
            (AuditAction::DirectoryPositionAdded, detail),
        )
        .await
    }

    /// Ends a position on `last_day` (the person moved or retired); it leaves the page and
    /// stays in the history. Audited.
    pub async fn end_directory_position(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
        last_day: &str,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let last_day = day("last_day", last_day)?;
        let position = self
            .stored_position(province, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if last_day < position.started_on {
            return Err(DomainError::field("last_day", "before_start").into());
        }
        self.change_directory(
            actor,
            province,
            DirectoryChange::EndPosition { id, last_day },
            (
                AuditAction::DirectoryPositionEnded,
                format!("position={id} last_day={last_day}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Adds a contact point. Audited with its address (published data, not a reporter's).
    pub async fn add_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        input: &ContactInput<'_>,
    ) -> CoreResult<i64> {
        self.directory_editor(actor, province).await?;
        let new = self.new_contact(province, input).await?;
        let detail = format!(
            "contact={{id}} unit={} {}={} public={}",
            new.unit, new.address.kind, new.address.address, new.public
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::AddContact(new),
            (AuditAction::DirectoryContactAdded, detail),
        )
        .await
    }

    /// Rewrites a contact point. Audited.
    pub async fn update_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
        input: &ContactInput<'_>,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let contact = self.new_contact(province, input).await?;
        let detail = format!(
            "contact={id} unit={} {}={} public={}",
            contact.unit, contact.address.kind, contact.address.address, contact.public
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::UpdateContact { id, contact },
            (AuditAction::DirectoryContactChanged, detail),
        )
        .await
        .map(drop)
    }

    /// Removes a contact point. Audited.
    pub async fn remove_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        self.change_directory(
            actor,
            province,
            DirectoryChange::RemoveContact { id },
            (
                AuditAction::DirectoryContactRemoved,
                format!("contact={id}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Records that a contact point was checked today. Audited.
    pub async fn mark_directory_contact_verified(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let day = self.vietnam_today();
        self.change_directory(
            actor,
            province,
            DirectoryChange::MarkVerified { id, day },
            (
                AuditAction::DirectoryContactVerified,
                format!("contact={id} day={day}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Sets the origins allowed to frame the province's widget (one per line). Audited.
    pub async fn set_directory_frame_origins(
        &self,
        actor: &Actor,
        province: u32,
        text: &str,
    ) -> CoreResult<Vec<String>> {
        self.directory_editor(actor, province).await?;
        let mut origins = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(frame_origin)
            .collect::<Result<Vec<_>, _>>()?;
        origins.sort();
        origins.dedup();
        if origins.len() > 20 {
            return Err(DomainError::field("frame_origins", "too_many").into());
        }
        let detail = format!("origins={}", origins.join(" "));
        self.change_directory(
            actor,
            province,
            DirectoryChange::SetFrameOrigins(origins.clone()),
            (AuditAction::DirectoryFrameOriginsSet, detail),
        )
        .await?;
        Ok(origins)
    }
}
