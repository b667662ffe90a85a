//! Reading a locale's intents, slots and slot types.

use super::model::Locale;
use super::support::{
    element_id, locale, not_found, page, slot_priorities, slot_type_id, Ctx, Res,
};
use crate::http::json;
use crate::state::World;
use axum::response::Response;
use serde_json::{json, Value};

/// ListIntents.
pub(super) fn list_intents(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    b: String,
    v: String,
    l: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let items: Vec<Value> = loc.def.intents.values().map(|i| json!({"intentId": element_id(i), "intentName": i["name"], "description": i.get("description"), "parentIntentSignature": i.get("parentIntentSignature"), "lastUpdatedDateTime": loc.updated})).collect();
    let (items, next) = page(items, body)?;
    Ok(json(
        200,
        &json!({"botId": b, "botVersion": v, "localeId": l, "intentSummaries": items, "nextToken": next}),
    ))
}

/// DescribeIntent.
pub(super) fn describe_intent(
    w: &mut World,
    ctx: &Ctx,
    b: String,
    v: String,
    l: String,
    i: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let intent = intent_of(loc, &i)?;
    Ok(json(
        200,
        &api_shape(
            json!({"intentId": i, "intentName": intent["name"], "description": intent.get("description"), "parentIntentSignature": intent.get("parentIntentSignature"),
        "sampleUtterances": intent.get("sampleUtterances"), "fulfillmentCodeHook": intent.get("fulfillmentCodeHook"), "dialogCodeHook": intent.get("dialogCodeHook"),
        "intentConfirmationSetting": intent.get("intentConfirmationSetting"), "intentClosingSetting": intent.get("intentClosingSetting"),
        "initialResponseSetting": intent.get("initialResponseSetting"), "inputContexts": intent.get("inputContexts"), "outputContexts": intent.get("outputContexts"),
        "kendraConfiguration": intent.get("kendraConfiguration"),
        "slotPriorities": slot_priorities(intent), "botId": b, "botVersion": v, "localeId": l, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
        ),
    ))
}

/// ListSlots.
pub(super) fn list_slots(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    b: String,
    v: String,
    l: String,
    i: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let intent = intent_of(loc, &i)?;
    let items: Vec<Value> = intent["slots"].as_object().into_iter().flatten().map(|(_, sl)| json!({"slotId": element_id(sl), "slotName": sl["name"], "description": sl.get("description"),
        "slotConstraint": sl["valueElicitationSetting"].get("slotConstraint"), "slotTypeId": slot_type_id(&loc.def, sl), "lastUpdatedDateTime": loc.updated})).collect();
    let (items, next) = page(items, body)?;
    Ok(json(
        200,
        &json!({"botId": b, "botVersion": v, "localeId": l, "intentId": i, "slotSummaries": items, "nextToken": next}),
    ))
}

/// DescribeSlot.
pub(super) fn describe_slot(
    w: &mut World,
    ctx: &Ctx,
    b: String,
    v: String,
    l: String,
    i: String,
    sid: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let intent = intent_of(loc, &i)?;
    let sl = intent["slots"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, s)| s)
        .find(|s| element_id(s) == sid)
        .ok_or_else(|| not_found(&format!("slot {sid} does not exist")))?;
    Ok(json(
        200,
        &api_shape(
            json!({"slotId": sid, "slotName": sl["name"], "description": sl.get("description"), "slotTypeId": slot_type_id(&loc.def, sl),
        "valueElicitationSetting": sl.get("valueElicitationSetting"), "obfuscationSetting": sl.get("obfuscationSetting"),
        "multipleValuesSetting": sl.get("multipleValuesSetting"), "subSlotSetting": sl.get("subSlotSetting"),
        "botId": b, "botVersion": v, "localeId": l, "intentId": i, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
        ),
    ))
}

/// ListSlotTypes.
pub(super) fn list_slot_types(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    b: String,
    v: String,
    l: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let items: Vec<Value> = loc.def.slot_types.values().map(|t| json!({"slotTypeId": element_id(t), "slotTypeName": t["name"], "description": t.get("description"), "slotTypeCategory": "Custom", "lastUpdatedDateTime": loc.updated})).collect();
    let (items, next) = page(items, body)?;
    Ok(json(
        200,
        &json!({"botId": b, "botVersion": v, "localeId": l, "slotTypeSummaries": items, "nextToken": next}),
    ))
}

/// DescribeSlotType.
pub(super) fn describe_slot_type(
    w: &mut World,
    ctx: &Ctx,
    b: String,
    v: String,
    l: String,
    t: String,
) -> Res {
    let loc = locale(w, ctx, &b, &v, &l)?;
    let st = loc
        .def
        .slot_types
        .values()
        .find(|x| element_id(x) == t)
        .ok_or_else(|| not_found(&format!("slot type {t} does not exist")))?;
    Ok(json(
        200,
        &api_shape(
            json!({"slotTypeId": t, "slotTypeName": st["name"], "description": st.get("description"), "slotTypeValues": st.get("slotTypeValues"),
        "valueSelectionSetting": st.get("valueSelectionSetting"), "parentSlotTypeSignature": st.get("parentSlotTypeSignature"),
        "externalSourceSetting": st.get("externalSourceSetting"), "compositeSlotTypeSetting": st.get("compositeSlotTypeSetting"),
        "botId": b, "botVersion": v, "localeId": l, "creationDateTime": loc.updated, "lastUpdatedDateTime": loc.updated}),
        ),
    ))
}

/// The intent `i` (by id) of a locale.
fn intent_of<'a>(loc: &'a Locale, i: &str) -> Result<&'a Value, Response> {
    loc.def
        .intents
        .values()
        .find(|x| element_id(x) == i)
        .ok_or_else(|| not_found(&format!("intent {i} does not exist")))
}

/// An export's JSON as the API answers it: LexJson names a prompt's message groups
/// `messageGroupsList` where the API's shapes call them `messageGroups`.
fn api_shape(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let k = if k == "messageGroupsList" {
                        "messageGroups".to_owned()
                    } else {
                        k
                    };
                    (k, api_shape(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(api_shape).collect()),
        other => other,
    }
}
