"""The raw data contract: one entity per parquet file, grouped by source system and domain.

This module is the single definition of the contract. The generator writes exactly these
columns and types, and `sales-warehouse contract` renders the dbt sources YAML from it, so the
documentation and the data cannot drift apart (a test checks the committed YAML is current).
"""

from __future__ import annotations

from dataclasses import dataclass

LOADED_AT = "_loaded_at"


@dataclass(frozen=True)
class Column:
    """One raw column. An optional column may be absent from the file or null; `if_missing`
    says what the warehouse does without it (the contract check prints it)."""

    name: str
    data_type: str
    description: str
    required: bool = True
    if_missing: str = ""


@dataclass(frozen=True)
class Entity:
    name: str
    source: str
    domain: str
    description: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    if_missing: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    domain: str
    description: str
    enable_var: str | None


SOURCES: tuple[Source, ...] = (
    Source("shop", "commerce", "Web shop / ERP export: customers, products, orders, lines, returns.", None),
    Source(
        "hr",
        "sales_team",
        "HR and sales-planning export: teams, reps, monthly quotas, trainings.",
        "enable_sales_team",
    ),
    Source(
        "crm",
        "pipeline",
        "CRM export: leads, opportunities, stage history and sales activities.",
        "enable_pipeline",
    ),
    Source(
        "service",
        "service",
        "Customer-service desk export: support tickets and survey responses.",
        "enable_service",
    ),
    Source(
        "marketing",
        "marketing",
        "Marketing export: campaigns/promotions and market indicators.",
        "enable_marketing",
    ),
)


def _c(name: str, data_type: str, description: str, optional: str = "") -> Column:
    """A contract column; `optional` (what happens without it) makes it optional."""
    return Column(name, data_type, description, required=not optional, if_missing=optional)


_LOADED = _c(LOADED_AT, "TIMESTAMP", "When the extract that carried this row was loaded (UTC).")
_UPDATED = _c(
    "updated_at",
    "TIMESTAMP",
    "When the record was last changed in the source system (UTC). A record may arrive "
    "more than once; the latest updated_at wins.",
    "the load time (_loaded_at) decides which version is latest",
)

ENTITIES: tuple[Entity, ...] = (
    Entity(
        "customers",
        "shop",
        "commerce",
        "One row per customer version. Business and individual buyers.",
        ("customer_id",),
        (
            _c("customer_id", "BIGINT", "Customer key."),
            _c("customer_name", "VARCHAR", "Customer or company name (personal data).", "names are null"),
            _c(
                "email",
                "VARCHAR",
                "Contact e-mail (personal data); may be missing or malformed.",
                "e-mails are null (no contact data)",
            ),
            _c("phone", "VARCHAR", "Contact phone number (personal data).", "phones are null"),
            _c(
                "gender",
                "VARCHAR",
                "female, male or unknown (free text in the source: may be padded or mixed case).",
                "gender is 'unknown'",
            ),
            _c(
                "birth_date",
                "DATE",
                "Date of birth of an individual customer (personal data).",
                "age is null",
            ),
            _c("city", "VARCHAR", "City of the customer's address.", "city is null"),
            _c(
                "region_code",
                "VARCHAR",
                "Sales region code (see the regions seed); may be padded or mixed case in the source.",
                "customers fall in region 'unknown'",
            ),
            _c("customer_type", "VARCHAR", "individual or business.", "customer_type is 'unknown'"),
            _c(
                "industry",
                "VARCHAR",
                "Industry of a business customer; null for individuals.",
                "industry is null",
            ),
            _c(
                "acquisition_channel",
                "VARCHAR",
                "Channel through which the customer was acquired.",
                "acquisition channel is 'unknown'",
            ),
            _c(
                "interests",
                "VARCHAR",
                "Stated interests, semicolon separated (psychographic data).",
                "no psychographic interests",
            ),
            _c(
                "owner_sales_rep_id",
                "BIGINT",
                "Sales rep who owns the customer relationship.",
                "customers have no owning rep",
            ),
            _c(
                "created_at",
                "TIMESTAMP",
                "When the customer was created (UTC).",
                "the first order date stands in for the signup date",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "products",
        "shop",
        "commerce",
        "One row per product in the catalogue.",
        ("product_id",),
        (
            _c("product_id", "BIGINT", "Product key."),
            _c("product_name", "VARCHAR", "Product name.", "names are null"),
            _c(
                "category",
                "VARCHAR",
                "Product line (top-level category).",
                "products fall in category 'unknown'",
            ),
            _c("subcategory", "VARCHAR", "Subcategory within the product line.", "subcategory is null"),
            _c("brand", "VARCHAR", "Brand.", "brand is null"),
            _c(
                "list_price",
                "DOUBLE",
                "Current list price per unit, company currency.",
                "price bands and discount-to-list are null",
            ),
            _c(
                "unit_cost",
                "DOUBLE",
                "Standard cost per unit, company currency.",
                "no standard cost: margins are null on lines without a cost of their own",
            ),
            _c("launched_on", "DATE", "Date the product went on sale.", "lifecycle starts at the first sale"),
            _c(
                "discontinued_on",
                "DATE",
                "Date the product was withdrawn; null while on sale.",
                "no product counts as discontinued",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "orders",
        "shop",
        "commerce",
        "One row per order version (header).",
        ("order_id",),
        (
            _c("order_id", "BIGINT", "Order key."),
            _c(
                "customer_id",
                "BIGINT",
                "Buying customer.",
                "every order is a guest order (no customer marts)",
            ),
            _c(
                "sales_rep_id",
                "BIGINT",
                "Rep credited with the order (the customer's owner).",
                "orders are credited to no rep",
            ),
            _c(
                "campaign_id",
                "BIGINT",
                "Promotion the order was placed under; null if none.",
                "no order counts as a promotion order",
            ),
            _c(
                "credited_order_id",
                "BIGINT",
                "For a credit note or cancellation invoice: the order it reverses (its lines carry "
                "negative quantities). Null for a sale.",
                "no order is a credit note",
            ),
            _c(
                "channel",
                "VARCHAR",
                "Order channel: web, app, store or phone (free text in the source).",
                "channel is 'unknown'",
            ),
            _c(
                "status",
                "VARCHAR",
                "Order status code: placed, paid, shipped, delivered, cancelled, returned.",
            ),
            _c("placed_at", "TIMESTAMP", "When the order was placed (UTC)."),
            _c("paid_at", "TIMESTAMP", "When payment was received (UTC).", "payment times are null"),
            _c(
                "shipped_at",
                "TIMESTAMP",
                "When the order left the warehouse (UTC).",
                "shipping times are null",
            ),
            _c("delivered_at", "TIMESTAMP", "When the order was delivered (UTC).", "delivery times are null"),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "order_lines",
        "shop",
        "commerce",
        "One row per order line version.",
        ("order_id", "line_number"),
        (
            _c("order_id", "BIGINT", "Order the line belongs to."),
            _c("line_number", "INTEGER", "Line number within the order, from 1."),
            _c("product_id", "BIGINT", "Product sold."),
            _c("quantity", "INTEGER", "Units sold."),
            _c("unit_price", "DOUBLE", "Selling price per unit before discount, company currency."),
            _c(
                "discount_amount",
                "DOUBLE",
                "Discount on the whole line, company currency.",
                "discounts are zero",
            ),
            _c(
                "unit_cost",
                "DOUBLE",
                "Cost per unit at the time of sale, company currency.",
                "the product's standard cost is used; margins are null where neither is known",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "returns",
        "shop",
        "commerce",
        "One row per returned order line.",
        ("return_id",),
        (
            _c("return_id", "BIGINT", "Return key."),
            _c("order_id", "BIGINT", "Order the returned line belongs to."),
            _c(
                "line_number",
                "INTEGER",
                "Returned line of that order.",
                "returns are matched by order and product only",
            ),
            _c("product_id", "BIGINT", "Product returned."),
            _c("quantity", "INTEGER", "Units returned."),
            _c("refund_amount", "DOUBLE", "Amount refunded, company currency.", "refunds are null"),
            _c("reason", "VARCHAR", "Return reason.", "reason is null"),
            _c("returned_at", "TIMESTAMP", "When the return was received (UTC)."),
            _LOADED,
        ),
        required=False,
        if_missing="no returns: returned units and refunds are zero",
    ),
    Entity(
        "sales_teams",
        "hr",
        "sales_team",
        "One row per sales team.",
        ("team_id",),
        (
            _c("team_id", "BIGINT", "Team key."),
            _c("team_name", "VARCHAR", "Team name."),
            _c("region_code", "VARCHAR", "Home region of the team.", "team region is 'unknown'"),
            _c("manager_name", "VARCHAR", "Team manager (personal data).", "manager is null"),
            _c("created_on", "DATE", "Date the team was formed.", "formation date is null"),
            _LOADED,
        ),
    ),
    Entity(
        "sales_reps",
        "hr",
        "sales_team",
        "One row per sales rep version.",
        ("sales_rep_id",),
        (
            _c("sales_rep_id", "BIGINT", "Sales rep key."),
            _c("rep_name", "VARCHAR", "Rep name (personal data).", "names are null"),
            _c("email", "VARCHAR", "Work e-mail (personal data).", "e-mails are null"),
            _c("team_id", "BIGINT", "Current team.", "reps belong to no team"),
            _c("region_code", "VARCHAR", "Region the rep covers.", "rep region is 'unknown'"),
            _c("level", "VARCHAR", "junior, senior or lead.", "level is 'unknown'"),
            _c("hired_on", "DATE", "Hire date.", "tenure is null"),
            _c("left_on", "DATE", "Leaving date; null while employed.", "every rep counts as employed"),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "sales_targets",
        "hr",
        "sales_team",
        "One row per rep per month: the quota.",
        ("sales_rep_id", "target_month"),
        (
            _c("sales_rep_id", "BIGINT", "Sales rep."),
            _c("target_month", "DATE", "First day of the month the target applies to."),
            _c("revenue_target", "DOUBLE", "Net revenue quota for the month, company currency."),
            _c(
                "new_customer_target",
                "INTEGER",
                "Target number of new customers in the month.",
                "new-customer targets are null",
            ),
            _LOADED,
        ),
        required=False,
        if_missing="no quotas: attainment is null",
    ),
    Entity(
        "trainings",
        "hr",
        "sales_team",
        "One row per completed training course.",
        ("training_id",),
        (
            _c("training_id", "BIGINT", "Training record key."),
            _c("sales_rep_id", "BIGINT", "Rep who took the course."),
            _c("course_name", "VARCHAR", "Course name."),
            _c("completed_on", "DATE", "Completion date."),
            _c("hours", "DOUBLE", "Course hours.", "training hours are null"),
            _c("assessment_score", "DOUBLE", "Final assessment score, 0-100.", "assessment scores are null"),
            _LOADED,
        ),
        required=False,
        if_missing="no training measures in the scorecard",
    ),
    Entity(
        "leads",
        "crm",
        "pipeline",
        "One row per lead version.",
        ("lead_id",),
        (
            _c("lead_id", "BIGINT", "Lead key."),
            _c(
                "lead_source",
                "VARCHAR",
                "Where the lead came from: referral, website, event, cold_call, social, partner.",
                "lead source is 'unknown'",
            ),
            _c("region_code", "VARCHAR", "Region of the prospect.", "lead region is 'unknown'"),
            _c("sales_rep_id", "BIGINT", "Rep the lead was assigned to.", "leads are assigned to no rep"),
            _c("company_name", "VARCHAR", "Prospect company.", "company is null"),
            _c(
                "contact_email",
                "VARCHAR",
                "Prospect contact e-mail (personal data).",
                "contact e-mail is null",
            ),
            _c("industry", "VARCHAR", "Prospect industry.", "industry is null"),
            _c("status", "VARCHAR", "new, contacted, converted or disqualified.", "status is 'unknown'"),
            _c("created_at", "TIMESTAMP", "When the lead was created (UTC)."),
            _c(
                "first_contacted_at",
                "TIMESTAMP",
                "First contact by the rep (UTC); null if never.",
                "no lead counts as followed up",
            ),
            _c(
                "converted_at",
                "TIMESTAMP",
                "When the lead became an opportunity (UTC).",
                "conversion time is null",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "opportunities",
        "crm",
        "pipeline",
        "One row per opportunity version (current state).",
        ("opportunity_id",),
        (
            _c("opportunity_id", "BIGINT", "Opportunity key."),
            _c(
                "lead_id",
                "BIGINT",
                "Lead the opportunity came from.",
                "opportunities are not linked to leads (no conversion by lead source)",
            ),
            _c(
                "customer_id",
                "BIGINT",
                "Customer account; set once the deal is won.",
                "won deals are not linked to customers",
            ),
            _c(
                "sales_rep_id", "BIGINT", "Rep who owns the opportunity.", "opportunities are owned by no rep"
            ),
            _c("opportunity_name", "VARCHAR", "Opportunity name.", "name is null"),
            _c("stage", "VARCHAR", "Current stage (see the funnel_stages seed)."),
            _c("amount", "DOUBLE", "Current deal amount, company currency.", "deal amounts are null"),
            _c("created_at", "TIMESTAMP", "When the opportunity was opened (UTC)."),
            _c(
                "expected_close_date",
                "DATE",
                "Date the rep expects the deal to close.",
                "expected close date is null",
            ),
            _c(
                "closed_at",
                "TIMESTAMP",
                "When the deal was won or lost (UTC); null while open.",
                "close times are null",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "opportunity_stage_history",
        "crm",
        "pipeline",
        "One row per stage an opportunity entered (its stage history).",
        ("opportunity_id", "stage"),
        (
            _c("opportunity_id", "BIGINT", "Opportunity."),
            _c("stage", "VARCHAR", "Stage entered."),
            _c("entered_at", "TIMESTAMP", "When the stage was entered (UTC)."),
            _c(
                "amount",
                "DOUBLE",
                "Deal amount when the stage was entered, company currency.",
                "stage amounts are null",
            ),
            _LOADED,
        ),
        required=False,
        if_missing="no stage durations or stage-by-stage funnel",
    ),
    Entity(
        "activities",
        "crm",
        "pipeline",
        "One row per sales activity (call, visit, email, meeting).",
        ("activity_id",),
        (
            _c("activity_id", "BIGINT", "Activity key."),
            _c("sales_rep_id", "BIGINT", "Rep who did it."),
            _c("lead_id", "BIGINT", "Lead it concerned, if any.", "activities are not linked to leads"),
            _c(
                "opportunity_id",
                "BIGINT",
                "Opportunity it concerned, if any.",
                "activities are not linked to opportunities",
            ),
            _c("activity_type", "VARCHAR", "call, visit, email or meeting."),
            _c("activity_at", "TIMESTAMP", "When it happened (UTC)."),
            _c("duration_minutes", "INTEGER", "Duration in minutes.", "durations are null"),
            _LOADED,
        ),
        required=False,
        if_missing="no activity counts in the scorecard",
    ),
    Entity(
        "support_tickets",
        "service",
        "service",
        "One row per support ticket version.",
        ("ticket_id",),
        (
            _c("ticket_id", "BIGINT", "Ticket key."),
            _c("customer_id", "BIGINT", "Customer who raised it."),
            _c("channel", "VARCHAR", "phone, email or chat.", "channel is 'unknown'"),
            _c("priority", "VARCHAR", "low, normal, high or urgent.", "priority is 'normal'"),
            _c("category", "VARCHAR", "delivery, product, billing or account.", "category is 'unknown'"),
            _c("status", "VARCHAR", "open or resolved."),
            _c("opened_at", "TIMESTAMP", "When the ticket was opened (UTC)."),
            _c("first_response_at", "TIMESTAMP", "First agent response (UTC).", "response times are null"),
            _c(
                "resolved_at",
                "TIMESTAMP",
                "When it was resolved (UTC); null while open.",
                "resolution times are null",
            ),
            _c(
                "csat_score",
                "INTEGER",
                "Satisfaction score 1-5 given at closure; null if not given.",
                "ticket CSAT is null",
            ),
            _UPDATED,
            _LOADED,
        ),
    ),
    Entity(
        "survey_responses",
        "service",
        "service",
        "One row per survey response (NPS and CSAT).",
        ("response_id",),
        (
            _c("response_id", "BIGINT", "Response key."),
            _c("customer_id", "BIGINT", "Responding customer."),
            _c("responded_at", "TIMESTAMP", "When the survey was answered (UTC)."),
            _c("nps_score", "INTEGER", "Likelihood to recommend, 0-10.", "NPS is null"),
            _c("csat_score", "INTEGER", "Overall satisfaction, 1-5.", "survey CSAT is null"),
            _LOADED,
        ),
        required=False,
        if_missing="no NPS or survey CSAT",
    ),
    Entity(
        "campaigns",
        "marketing",
        "marketing",
        "One row per marketing campaign / promotion.",
        ("campaign_id",),
        (
            _c("campaign_id", "BIGINT", "Campaign key."),
            _c("campaign_name", "VARCHAR", "Campaign name.", "name is null"),
            _c("campaign_type", "VARCHAR", "festival or flash_sale.", "type is 'unknown'"),
            _c(
                "discount_rate",
                "DOUBLE",
                "Discount offered on list price, as a fraction.",
                "discount rate is null",
            ),
            _c("start_date", "DATE", "First day of the campaign."),
            _c("end_date", "DATE", "Last day of the campaign (inclusive)."),
            _c("spend", "DOUBLE", "Marketing spend, company currency.", "spend is null"),
            _LOADED,
        ),
        required=False,
        if_missing="no campaign attributes",
    ),
    Entity(
        "market_indicators",
        "marketing",
        "marketing",
        "One row per region per month: an external market index.",
        ("region_code", "indicator_month"),
        (
            _c("region_code", "VARCHAR", "Region."),
            _c("indicator_month", "DATE", "First day of the month."),
            _c("consumer_confidence_index", "DOUBLE", "Consumer confidence index (100 = neutral)."),
            _LOADED,
        ),
        required=False,
        if_missing="no market index",
    ),
)

DOMAINS: tuple[str, ...] = ("commerce", "sales_team", "pipeline", "service", "marketing")


def entity(name: str) -> Entity:
    for item in ENTITIES:
        if item.name == name:
            return item
    raise KeyError(f"unknown raw entity {name!r}")


def entities_for(domains: tuple[str, ...] | list[str]) -> list[Entity]:
    return [item for item in ENTITIES if item.domain in domains]
