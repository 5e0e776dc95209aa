//! The public hotline directory: people, positions and contact points, and each province's
//! revision.

use crate::rows::{Columns, map_err};
use crate::{SqlStore, code_param};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::directory::ContactAddress;
use hotline_store::{
    Directory, DirectoryChange, DirectoryContact, DirectoryImport, DirectoryPerson,
    DirectoryPosition, DirectoryProvince, DirectoryRows, NewDirectoryContact, NewDirectoryPosition,
    StoreError, StoreResult,
};
use hotline_store_sql_bounds::any_sql_database;

const DATE: &str = "%Y-%m-%d";

fn date_text(day: NaiveDate) -> String {
    day.format(DATE).to_string()
}

fn bad(what: &str) -> StoreError {
    StoreError::Other(format!("a directory row with a bad {what}"))
}

fn date(text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, DATE).map_err(|_| bad("date"))
}

fn province_of(row: &impl Columns) -> StoreResult<u32> {
    row.small_opt("province_code")?
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| bad("province"))
}

fn sort_of(row: &impl Columns) -> StoreResult<i32> {
    i32::try_from(row.int("sort")?).map_err(|_| bad("order"))
}

fn province(row: &impl Columns) -> StoreResult<DirectoryProvince> {
    Ok(DirectoryProvince {
        province: province_of(row)?,
        revision: row.int("revision")?,
        updated_at: row.time_opt("updated_at")?,
        frame_origins: row
            .text("frame_origins")?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn person(row: &impl Columns) -> StoreResult<DirectoryPerson> {
    Ok(DirectoryPerson {
        id: row.int("id")?,
        key: row.text("person_key")?,
        full_name: row.text("full_name")?,
        rank: row.text_opt("rank")?,
    })
}

fn position(row: &impl Columns) -> StoreResult<DirectoryPosition> {
    Ok(DirectoryPosition {
        id: row.int("id")?,
        person_id: row.int("person_id")?,
        province: province_of(row)?,
        unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
        title: row.text("title")?,
        started_on: date(&row.text("started_on")?)?,
        ended_on: row.text_opt("ended_on")?.as_deref().map(date).transpose()?,
        sort: sort_of(row)?,
    })
}

fn contact(row: &impl Columns) -> StoreResult<DirectoryContact> {
    let kind = row.text("kind")?.parse().map_err(|_| bad("kind"))?;
    Ok(DirectoryContact {
        id: row.int("id")?,
        province: province_of(row)?,
        unit: row.text("unit_code")?.parse().map_err(|_| bad("unit"))?,
        position_id: row.int_opt("position_id")?,
        label: row.text_opt("label")?,
        // Stored canonical; read back as written.
        address: ContactAddress {
            kind,
            address: row.text("address")?,
        },
        public: row.flag("public")?,
        hours: row.text_opt("hours")?,
        verified_on: row
            .text_opt("verified_on")?
            .as_deref()
            .map(date)
            .transpose()?,
        channel_account: row.int_opt("channel_account_id")?,
        sort: sort_of(row)?,
    })
}

/// Rows of one province, or of all when the parameter is NULL.
const OF_PROVINCE: &str = "($1 IS NULL OR province_code = $1)";

#[any_sql_database]
#[async_trait]
impl<DB> Directory for SqlStore<DB> {
    async fn directory(&self, province_code: Option<u32>) -> StoreResult<DirectoryRows> {
        let code = code_param(province_code);
        Ok(DirectoryRows {
            provinces: self
                .rows_of(("directory_provinces", "province_code"), code, province)
                .await?,
            positions: self
                .rows_of(("directory_positions", "sort, id"), code, position)
                .await?,
            people: self
                .fetch_rows(
                    &format!(
                        "SELECT * FROM directory_people WHERE id IN \
                         (SELECT person_id FROM directory_positions WHERE {OF_PROVINCE}) \
                         ORDER BY id"
                    ),
                    code,
                    person,
                )
                .await?,
            contacts: self
                .rows_of(("directory_contacts", "sort, id"), code, contact)
                .await?,
        })
    }

    async fn directory_states(&self) -> StoreResult<Vec<DirectoryProvince>> {
        self.rows_of(("directory_provinces", "province_code"), None, province)
            .await
    }

    async fn change_directory(
        &self,
        province_code: u32,
        change: &DirectoryChange,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let code = code_param(Some(province_code));
        let mut tx = self.begin_write().await?;
        let id = match change {
            DirectoryChange::AddPosition(new) => {
                Self::insert_position(&mut tx, province_code, new, at).await?
            }
            DirectoryChange::EndPosition { id, last_day } => Self::changed(
                sqlx::query(
                    "UPDATE directory_positions SET ended_on = $1 \
                     WHERE id = $2 AND province_code = $3 RETURNING id",
                )
                .bind(date_text(*last_day))
                .bind(*id)
                .bind(code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?,
            )?,
            DirectoryChange::AddContact(new) => {
                if let Some(position) = new.position {
                    Self::position_in(&mut tx, province_code, position).await?;
                }
                Self::insert_contact(&mut tx, province_code, new, new.position).await?
            }
            DirectoryChange::UpdateContact { id, contact } => {
                if let Some(position) = contact.position {
                    Self::position_in(&mut tx, province_code, position).await?;
                }
                Self::changed(
                    sqlx::query(
                        "UPDATE directory_contacts SET unit_code = $1, position_id = $2, \
                         label = $3, kind = $4, address = $5, public = $6, hours = $7, \
                         verified_on = $8, channel_account_id = $9, sort = $10 \
                         WHERE id = $11 AND province_code = $12 RETURNING id",
                    )
                    .bind(contact.unit.as_str())
                    .bind(contact.position)
                    .bind(contact.label.as_deref())
                    .bind(contact.address.kind.as_str())
                    .bind(contact.address.address.as_str())
                    .bind(contact.public)
                    .bind(contact.hours.as_deref())
                    .bind(contact.verified_on.map(date_text))
                    .bind(contact.channel_account)
                    .bind(i64::from(contact.sort))
                    .bind(*id)
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?,
                )?
            }
            DirectoryChange::RemoveContact { id } => Self::changed(
                sqlx::query(
                    "DELETE FROM directory_contacts WHERE id = $1 AND province_code = $2 \
                     RETURNING id",
                )
                .bind(*id)
                .bind(code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?,
            )?,
            DirectoryChange::MarkVerified { id, day } => Self::changed(
                sqlx::query(
                    "UPDATE directory_contacts SET verified_on = $1 \
                     WHERE id = $2 AND province_code = $3 RETURNING id",
                )
                .bind(date_text(*day))
                .bind(*id)
                .bind(code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?,
            )?,
            DirectoryChange::SetFrameOrigins(origins) => {
                Self::set_origins(&mut tx, province_code, origins).await?;
                0
            }
        };
        Self::bump(&mut tx, province_code, at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn replace_directory(
        &self,
        imports: &[(u32, DirectoryImport)],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (province_code, import) in imports {
            let code = code_param(Some(*province_code));
            for table in ["directory_contacts", "directory_positions"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE province_code = $1"))
                    .bind(code)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            let mut ids = Vec::with_capacity(import.positions.len());
            for new in &import.positions {
                ids.push(Self::insert_position(&mut tx, *province_code, new, at).await?);
            }
            for new in &import.contacts {
                let position = match new.position {
                    Some(index) => Some(
                        usize::try_from(index)
                            .ok()
                            .and_then(|i| ids.get(i))
                            .copied()
                            .ok_or(StoreError::NotFound)?,
                    ),
                    None => None,
                };
                Self::insert_contact(&mut tx, *province_code, new, position).await?;
            }
            Self::set_origins(&mut tx, *province_code, &import.frame_origins).await?;
            Self::bump(&mut tx, *province_code, at).await?;
        }
        sqlx::query(
            "DELETE FROM directory_people WHERE id NOT IN \
             (SELECT person_id FROM directory_positions)",
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Every row of `table` of the province `code` (of all when it is NULL) in `order`, read
    /// by `read`.
    async fn rows_of<T>(
        &self,
        (table, order): (&str, &str),
        code: Option<i32>,
        read: fn(&DB::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.fetch_rows(
            &format!("SELECT * FROM {table} WHERE {OF_PROVINCE} ORDER BY {order}"),
            code,
            read,
        )
        .await
    }

    async fn fetch_rows<T>(
        &self,
        sql: &str,
        code: Option<i32>,
        read: fn(&DB::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        sqlx::query(sql)
            .bind(code)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(read)
            .collect()
    }

    /// The id a statement returned, or `NotFound` when it touched no row of the province.
    fn changed(row: Option<DB::Row>) -> StoreResult<i64> {
        row.ok_or(StoreError::NotFound)?.int("id")
    }

    async fn position_in(
        tx: &mut sqlx::Transaction<'static, DB>,
        province_code: u32,
        id: i64,
    ) -> StoreResult<()> {
        sqlx::query("SELECT id FROM directory_positions WHERE id = $1 AND province_code = $2")
            .bind(id)
            .bind(code_param(Some(province_code)))
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    /// Writes a position, and its person when the key is new; a person renamed (name or
    /// rank) counts as a change to every province they hold or held a position in.
    async fn insert_position(
        tx: &mut sqlx::Transaction<'static, DB>,
        province_code: u32,
        new: &NewDirectoryPosition,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let existing =
            sqlx::query("SELECT id, full_name, rank FROM directory_people WHERE person_key = $1")
                .bind(new.person_key.as_str())
                .fetch_optional(&mut **tx)
                .await
                .map_err(map_err)?;
        let person_id = match existing {
            Some(row) => {
                let id = row.int("id")?;
                if row.text("full_name")? != new.full_name || row.text_opt("rank")? != new.rank {
                    sqlx::query(
                        "UPDATE directory_people SET full_name = $1, rank = $2 WHERE id = $3",
                    )
                    .bind(new.full_name.as_str())
                    .bind(new.rank.as_deref())
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    let provinces = sqlx::query(
                        "SELECT DISTINCT province_code FROM directory_positions WHERE person_id = $1",
                    )
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    for row in provinces {
                        let province = row
                            .small_opt("province_code")?
                            .and_then(|p| u32::try_from(p).ok())
                            .ok_or_else(|| bad("province"))?;
                        Self::bump(tx, province, at).await?;
                    }
                }
                id
            }
            None => sqlx::query(
                "INSERT INTO directory_people (person_key, full_name, rank) \
                 VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(new.person_key.as_str())
            .bind(new.full_name.as_str())
            .bind(new.rank.as_deref())
            .fetch_one(&mut **tx)
            .await
            .map_err(map_err)?
            .int("id")?,
        };
        sqlx::query(
            "INSERT INTO directory_positions \
             (person_id, province_code, unit_code, title, started_on, ended_on, sort) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(person_id)
        .bind(code_param(Some(province_code)))
        .bind(new.unit.as_str())
        .bind(new.title.as_str())
        .bind(date_text(new.started_on))
        .bind(new.ended_on.map(date_text))
        .bind(i64::from(new.sort))
        .fetch_one(&mut **tx)
        .await
        .map_err(map_err)?
        .int("id")
    }

    async fn insert_contact(
        tx: &mut sqlx::Transaction<'static, DB>,
        province_code: u32,
        new: &NewDirectoryContact,
        position: Option<i64>,
    ) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO directory_contacts (province_code, unit_code, position_id, label, kind, \
             address, public, hours, verified_on, channel_account_id, sort) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(code_param(Some(province_code)))
        .bind(new.unit.as_str())
        .bind(position)
        .bind(new.label.as_deref())
        .bind(new.address.kind.as_str())
        .bind(new.address.address.as_str())
        .bind(new.public)
        .bind(new.hours.as_deref())
        .bind(new.verified_on.map(date_text))
        .bind(new.channel_account)
        .bind(i64::from(new.sort))
        .fetch_one(&mut **tx)
        .await
        .map_err(map_err)?
        .int("id")
    }

    async fn set_origins(
        tx: &mut sqlx::Transaction<'static, DB>,
        province_code: u32,
        origins: &[String],
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO directory_provinces (province_code, frame_origins) VALUES ($1, $2) \
             ON CONFLICT (province_code) DO UPDATE SET frame_origins = $2",
        )
        .bind(code_param(Some(province_code)))
        .bind(origins.join("\n"))
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// Counts the province's revision up and records when it changed.
    async fn bump(
        tx: &mut sqlx::Transaction<'static, DB>,
        province_code: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO directory_provinces (province_code, revision, updated_at) \
             VALUES ($1, 1, $2) ON CONFLICT (province_code) DO UPDATE \
             SET revision = directory_provinces.revision + 1, updated_at = $2",
        )
        .bind(code_param(Some(province_code)))
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}
