//! Lambda function and Lex bot associations.

use super::support::{
    err, instance, invalid_param, invalid_request, not_found, page, query_num, required, Ctx, Res,
};
use crate::http::{json, Req};
use crate::state::World;
use serde_json::{json, Value};

/// AssociateLambdaFunction.
pub(super) fn associate_lambda_function(w: &mut World, ctx: &Ctx, body: &Value, i: String) -> Res {
    let arn = required(body, "FunctionArn")?.to_owned();
    if !arn.starts_with("arn:aws:lambda:") || !arn.contains(":function:") {
        return Err(invalid_param("FunctionArn must be a Lambda function ARN"));
    }
    let exists = {
        let parts: Vec<&str> = arn.split(':').collect();
        let (region_name, account, name) = (
            parts.get(3).copied().unwrap_or(""),
            parts.get(4).copied().unwrap_or(""),
            parts.get(6).copied().unwrap_or(""),
        );
        w.lambda
            .get(&(account.to_owned(), region_name.to_owned()))
            .is_some_and(|r| r.functions.contains_key(name))
    };
    if !exists {
        return Err(invalid_request(&format!("Function {arn} does not exist")));
    }
    let inst = instance(w, ctx, &i)?;
    if inst.lambda_functions.contains(&arn) {
        return Err(err(
            409,
            "ResourceConflictException",
            "The function is already associated",
        ));
    }
    inst.lambda_functions.push(arn);
    Ok(json(200, &json!({})))
}

/// ListLambdaFunctions.
pub(super) fn list_lambda_functions(w: &mut World, ctx: &Ctx, req: &Req, i: String) -> Res {
    let max = query_num(req, "maxResults")?;
    let inst = instance(w, ctx, &i)?;
    let items: Vec<Value> = inst.lambda_functions.iter().map(|a| json!(a)).collect();
    let (items, next) = page(items, max, 25, req.query_one("nextToken").as_deref())?;
    Ok(json(
        200,
        &json!({"LambdaFunctions": items, "NextToken": next}),
    ))
}

/// AssociateBot.
pub(super) fn associate_bot(w: &mut World, ctx: &Ctx, body: &Value, i: String) -> Res {
    let alias = body["LexV2Bot"]["AliasArn"]
        .as_str()
        .ok_or_else(|| invalid_param("LexV2Bot.AliasArn is required"))?
        .to_owned();
    if !alias.starts_with("arn:aws:lex:") || !alias.contains(":bot-alias/") {
        return Err(invalid_param("AliasArn must be a Lex V2 bot alias ARN"));
    }
    let inst = instance(w, ctx, &i)?;
    if inst.lex_bots.contains(&alias) {
        return Err(err(
            409,
            "ResourceConflictException",
            "The bot is already associated",
        ));
    }
    inst.lex_bots.push(alias);
    Ok(json(200, &json!({})))
}

/// DisassociateLambdaFunction.
pub(super) fn disassociate_lambda_function(w: &mut World, ctx: &Ctx, req: &Req, i: String) -> Res {
    let arn = req
        .query_one("functionArn")
        .ok_or_else(|| invalid_param("FunctionArn is required"))?;
    let inst = instance(w, ctx, &i)?;
    let before = inst.lambda_functions.len();
    inst.lambda_functions.retain(|a| *a != arn);
    if inst.lambda_functions.len() == before {
        return Err(not_found(&format!("Function {arn} is not associated")));
    }
    Ok(json(200, &json!({})))
}

/// DisassociateBot.
pub(super) fn disassociate_bot(w: &mut World, ctx: &Ctx, body: &Value, i: String) -> Res {
    let alias = body["LexV2Bot"]["AliasArn"]
        .as_str()
        .ok_or_else(|| invalid_param("LexV2Bot.AliasArn is required"))?
        .to_owned();
    let inst = instance(w, ctx, &i)?;
    let before = inst.lex_bots.len();
    inst.lex_bots.retain(|a| *a != alias);
    if inst.lex_bots.len() == before {
        return Err(not_found(&format!("Bot alias {alias} is not associated")));
    }
    Ok(json(200, &json!({})))
}

/// ListBots.
pub(super) fn list_bots(w: &mut World, ctx: &Ctx, req: &Req, i: String) -> Res {
    if req.query_one("lexVersion").as_deref() != Some("V2")
        && req.query_one("lexVersion").as_deref() != Some("V1")
    {
        return Err(invalid_param("LexVersion is required: V1 or V2"));
    }
    let max = query_num(req, "maxResults")?;
    let inst = instance(w, ctx, &i)?;
    let items: Vec<Value> = if req.query_one("lexVersion").as_deref() == Some("V2") {
        inst.lex_bots
            .iter()
            .map(|a| json!({"LexV2Bot": {"AliasArn": a}}))
            .collect()
    } else {
        vec![]
    };
    let (items, next) = page(items, max, 25, req.query_one("nextToken").as_deref())?;
    Ok(json(200, &json!({"LexBots": items, "NextToken": next})))
}
