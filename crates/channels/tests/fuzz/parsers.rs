//! Every parser of deliveries: each platform's own, and the dispatch by platform.

use crate::inputs::{
    all_samples, bodies, cti_samples, email_samples, meta_samples, sms_samples, telegram_samples,
    tiktok_samples, x_samples, zalo_samples,
};
use crate::{SEED, received};
use hotline_channels::{
    Unreadable, cti, email, meta, platforms, sms_gate, telegram, tiktok, x, zalo,
};
use hotline_domain::Channel;
use hotline_domain::inbound::{CallStep, InboundEvent};
use hotline_fuzzing::{CASES, bounded, check};
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use proptest::{prop_assert, prop_assert_eq};

/// The kinds of file `MediaRef::kind` names.
const MEDIA_KINDS: &[&str] = &[
    "image", "audio", "voice", "video", "document", "sticker", "file",
];

/// A refusal says why; an acceptance holds what the platform's parser promises (read from
/// each adapter: the ids it refuses to go without, how many events a delivery gives).
fn taken_apart(
    channel: Channel,
    result: &Result<Vec<InboundEvent>, Unreadable>,
) -> Result<(), TestCaseError> {
    let events = match result {
        Err(refusal) => {
            prop_assert!(!refusal.0.trim().is_empty(), "a refusal without a reason");
            prop_assert!(!refusal.to_string().is_empty());
            return Ok(());
        }
        Ok(events) => events,
    };
    prop_assert!(
        !matches!(channel, Channel::Web | Channel::Api | Channel::Capture),
        "{channel} has no deliveries to take apart"
    );
    if matches!(
        channel,
        Channel::Phone | Channel::Email | Channel::Sms | Channel::Telegram | Channel::Tiktok
    ) {
        prop_assert_eq!(events.len(), 1, "one event a delivery");
    }
    if channel == Channel::X {
        prop_assert!(!events.is_empty(), "X's deliveries are counted, never lost");
    }
    // Adapters that refuse a message without its id or its sender.
    let strict = matches!(
        channel,
        Channel::Sms | Channel::Telegram | Channel::Tiktok | Channel::X | Channel::Zalo
    );
    for event in events {
        match event {
            InboundEvent::Message(message) => {
                prop_assert!(channel != Channel::Phone, "a call's event is not a message");
                if strict {
                    prop_assert!(
                        !message.platform_message_id.is_empty(),
                        "a message without id"
                    );
                }
                if strict || channel == Channel::Email {
                    prop_assert!(!message.sender.is_empty(), "a message without sender");
                }
                if channel == Channel::Email {
                    prop_assert!(
                        message
                            .sender_email
                            .as_deref()
                            .is_some_and(|a| a.contains('@')),
                        "a mail without its sender's address"
                    );
                }
                for media in &message.media {
                    prop_assert!(MEDIA_KINDS.contains(&media.kind), "{}", media.kind);
                }
                if let Some(place) = &message.location {
                    prop_assert!(place.latitude.is_finite() && place.longitude.is_finite());
                }
            }
            InboundEvent::Status {
                platform_message_id,
                ..
            } => {
                if matches!(channel, Channel::Zalo | Channel::Email) {
                    prop_assert!(!platform_message_id.is_empty(), "a state of no message");
                }
            }
            InboundEvent::Call(call) => {
                prop_assert_eq!(channel, Channel::Phone);
                prop_assert!(!call.call_id.is_empty() && call.call_id.len() <= 250);
                if call.step == CallStep::New {
                    prop_assert!(call.answered_by.is_none(), "nobody answers a ringing call");
                }
                prop_assert!(call.from.as_deref() != Some(""));
            }
            InboundEvent::Ignored(_) => {}
        }
    }
    Ok(())
}

#[test]
fn cti_events_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(cti_samples()), |body| {
        taken_apart(Channel::Phone, &bounded(move || cti::parse(&body))?)
    });
}

#[test]
fn mail_is_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(email_samples()), |raw| {
        let result = bounded(move || email::parse(&raw, received()))?;
        taken_apart(Channel::Email, &result)
    });
}

#[test]
fn meta_deliveries_are_taken_apart_or_refused_with_a_reason() {
    // Meta's four, and one that is not Meta's.
    let channels = vec![
        Channel::Whatsapp,
        Channel::Messenger,
        Channel::Instagram,
        Channel::Threads,
        Channel::Web,
    ];
    check(
        SEED,
        CASES,
        (select(channels), bodies(meta_samples())),
        |(channel, body)| {
            let result = bounded(move || meta::parse(channel, &body, received()))?;
            taken_apart(channel, &result)
        },
    );
}

#[test]
fn sms_gateway_deliveries_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(sms_samples()), |body| {
        let result = bounded(move || sms_gate::parse(&body, received()))?;
        taken_apart(Channel::Sms, &result)
    });
}

#[test]
fn telegram_updates_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(telegram_samples()), |body| {
        let result = bounded(move || telegram::parse(&body, received()))?;
        taken_apart(Channel::Telegram, &result)
    });
}

#[test]
fn tiktok_deliveries_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(tiktok_samples()), |body| {
        let result = bounded(move || tiktok::parse(&body, received()))?;
        taken_apart(Channel::Tiktok, &result)
    });
}

#[test]
fn x_deliveries_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(x_samples()), |body| {
        let result = bounded(move || x::parse(&body, received()))?;
        taken_apart(Channel::X, &result)
    });
}

#[test]
fn zalo_deliveries_are_taken_apart_or_refused_with_a_reason() {
    check(SEED, CASES, bodies(zalo_samples()), |body| {
        let result = bounded(move || zalo::parse(&body, received()))?;
        taken_apart(Channel::Zalo, &result)
    });
}

/// Any platform's body handed to any platform's parser (an account misconfigured, a path
/// guessed): still an answer or a reason.
#[test]
fn any_delivery_to_any_platform_is_taken_apart_or_refused_with_a_reason() {
    check(
        SEED,
        CASES,
        (select(Channel::ALL), bodies(all_samples())),
        |(channel, body)| {
            let result = bounded(move || platforms::parse(channel, &body, received()))?;
            taken_apart(channel, &result)
        },
    );
}
