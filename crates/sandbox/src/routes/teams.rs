//! Teams and segments (read from the seed or fixtures) and admins' away mode.

use super::*;
use crate::records::{Segment, Team};

fn team(t: &Team) -> models::Team {
    fill!(models::Team {
        type_: Some("team".into()),
        id: Some(t.id.clone()),
        name: Some(t.name.clone()),
        admin_ids: Some(t.admin_ids.clone()),
        ..Default::default()
    })
}

pub(super) fn list_teams(state: &State) -> Outcome {
    Reply::model(&fill!(models::TeamList {
        type_: Some("team.list".into()),
        teams: Some(state.teams.iter().map(team).collect()),
    }))
}

pub(super) fn get_team(state: &State, id: &str) -> Outcome {
    let t = state.teams.iter().find(|t| t.id == id).ok_or_else(|| {
        ErrorReply::new(StatusCode::NOT_FOUND, "team_not_found", "Team not found")
    })?;
    Reply::model(&team(t))
}

fn segment(state: &State, s: &Segment, with_count: bool) -> models::Segment {
    let count = state
        .listed_contacts()
        .filter(|c| s.role.as_deref().is_none_or(|r| c.role == r))
        .count();
    fill!(models::Segment {
        type_: Some("segment".into()),
        id: Some(s.id.clone()),
        name: Some(s.name.clone()),
        person_type: Some(models::SegmentPersonType::from(s.person_type.as_str())),
        created_at: Some(Timestamp::from_unix(s.created_at)),
        updated_at: Some(Timestamp::from_unix(s.created_at)),
        count: with_count.then(|| i64::try_from(count).unwrap_or(i64::MAX)),
    })
}

/// `GET /segments` (`include_count=true` adds member counts).
pub(super) fn list_segments(state: &State, req: &Request<'_>) -> Outcome {
    let with_count = req.query.get("include_count") == Some("true");
    Reply::model(&fill!(models::SegmentList {
        type_: Some("segment.list".into()),
        segments: Some(
            state
                .segments
                .iter()
                .map(|s| segment(state, s, with_count))
                .collect()
        ),
        pages: Some(Value::Object(Map::new())),
    }))
}

pub(super) fn get_segment(state: &State, id: &str) -> Outcome {
    let s = state
        .segments
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(ErrorReply::not_found)?;
    Reply::model(&segment(state, s, true))
}

/// `PUT /admins/{id}/away`: both flags are required.
pub(super) fn set_away(state: &mut State, req: &Request<'_>, id: &str) -> Outcome {
    let body = json_object(req.body)?;
    let enabled = opt_bool(&body, "away_mode_enabled")?
        .ok_or_else(|| ErrorReply::missing("away_mode_enabled"))?;
    let reassign = opt_bool(&body, "away_mode_reassign")?
        .ok_or_else(|| ErrorReply::missing("away_mode_reassign"))?;
    let admin = state
        .admins
        .iter_mut()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            ErrorReply::new(StatusCode::NOT_FOUND, "admin_not_found", "Admin not found")
        })?;
    admin.away_mode_enabled = enabled;
    admin.away_mode_reassign = reassign;
    Reply::model(&model::admin(admin))
}
