//! One contract suite for every store backend. A backend's test module calls
//! `contract_tests!(fresh)` with an async `fresh()` that returns `Some((guard, store))` on an
//! empty, migrated database (or `None` when the backend's server is not configured); each story
//! then runs as its own test, and the guard's [`Cleanup::release`] runs after it.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod fixtures;
mod stories;

pub use stories::*;

#[macro_export]
macro_rules! contract_tests {
    ($fresh:path) => {
        $crate::contract_tests!(@each $fresh,
            places_are_seeded_once,
            units_form_a_tree,
            staff_accounts_sessions_and_tokens,
            a_second_factor_is_enrolled_taken_once_and_reset,
            intake_numbers_reports_without_gaps,
            a_large_batch_writes_each_report_whole_under_its_own_number,
            redelivered_platform_messages_are_not_doubled,
            visibility_narrows_reads,
            an_inbox_filters_orders_pages_and_counts,
            a_report_about_police_conduct_is_hidden_from_the_accused_unit_and_below,
            a_report_its_own_head_settles_is_read_by_that_units_leaders_only,
            lists_are_newest_first_and_limited,
            concurrent_intake_never_repeats_a_number,
            audit_entries_link_in_order_even_when_appended_concurrently,
            a_store_stays_bound_to_its_first_master_key,
            a_rotation_moves_the_binding_and_rewraps_every_data_key,
            a_purge_removes_what_its_rule_selects_and_spares_held_reports,
            a_reveal_request_is_approved_by_another_and_opens_one_reveal,
            reasons_in_clear_are_listed_and_sealed_once,
            search_finds_reports_holding_every_word_and_the_same_phone,
            queued_words_reach_the_index_and_no_search_misses_them,
            a_report_indexed_again_keeps_only_its_new_words_and_later_ones,
            the_reporter_finds_the_report_by_digest_and_the_conversation_grows,
            evidence_is_kept_sealed_with_its_report,
            triage_notes_and_merges_are_recorded_within_visibility,
            a_procedure_step_moves_the_report_once_and_is_recorded,
            an_action_and_its_audit_record_commit_together,
            access_changes_commit_with_their_audit_records,
            a_roster_change_commits_with_its_record_naming_what_it_made,
            the_routing_table_is_seeded_once_and_changed_rule_by_rule,
            a_duty_roster_is_kept_per_unit_and_read_for_a_subtree,
            an_alert_chain_moves_once_per_level_and_stops_when_acknowledged,
            a_time_limit_is_warned_of_once_per_kind_and_limit,
            alerts_queue_notifications_that_are_sent_once_and_kept_with_their_attempts,
            channel_accounts_and_their_journal_take_each_delivery_and_message_once,
            taking_deliveries_apart_commits_messages_and_outcomes_together,
            messages_to_one_recipient_leave_in_the_order_they_were_written,
            an_account_keeps_its_cursor_with_what_it_fetched_and_its_rotated_secrets,
            a_contact_shared_later_joins_its_report,
            a_call_is_recorded_once_and_a_missed_one_waits_for_its_callback,
            the_directory_keeps_positions_contacts_and_a_revision_per_province,
            a_breach_is_kept_with_who_was_told_and_closed_once,
            a_lease_has_one_holder_until_it_lapses_or_is_given_up,
            an_allowance_is_shared_by_every_caller_and_earned_back_over_time,
            failed_attempts_make_later_ones_wait_across_callers,
            statistics_count_each_report_once_where_it_is_held_and_outlive_its_purge,
        );
    };
    (@each $fresh:path, $($story:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let Some((guard, store)) = $fresh().await else {
                    return;
                };
                $crate::$story(std::sync::Arc::new(store)).await;
                $crate::Cleanup::release(guard).await;
            }
        )+
    };
}

/// What a backend's test database needs once a story is over.
pub trait Cleanup {
    /// Closes connections and removes the test's data. Async, so that it never blocks the
    /// runtime that its own connections need to shut down.
    fn release(self) -> impl std::future::Future<Output = ()>;
}

/// A temporary folder removes itself when dropped.
impl Cleanup for tempfile::TempDir {
    async fn release(self) {}
}
