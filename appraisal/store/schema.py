"""The built-in data model: every record the indicators in DOMAIN.md are computed from.

Each column carries import metadata in ``Column.info`` (see :class:`FieldInfo`):
its logical kind, bilingual label, accepted header aliases, enumeration and the
entity it references.  The importer, the sources mapping and the rule
type-checker all read this one declaration, so they cannot disagree.

Referential integrity is checked by the importer's SQL validation rather than by
``FOREIGN KEY`` constraints: DuckDB cannot update rows that a foreign key refers
to, and a ``sources`` mapping may point at tables we do not own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from appraisal.store.types import Money, UtcDateTime

Kind = Literal["id", "text", "code", "date", "instant", "money", "integer", "decimal", "boolean"]


@dataclass(frozen=True)
class FieldInfo:
    """What a column means to the importer, the sources mapping and the rules."""

    kind: Kind
    en: str
    zh: str
    aliases: tuple[str, ...] = ()
    enum: tuple[str, ...] = ()
    references: str | None = None  # "entity.column"
    required: bool = False
    excel_dates: bool = True  # dates may arrive as Excel serial numbers
    extra: dict[str, Any] = field(default_factory=dict)


class OrderStatus(StrEnum):
    """Lifecycle of an order; a refund is a negative-amount order of its own."""

    OPEN = "open"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUND = "refund"


class Stage(StrEnum):
    """Sales funnel stages, in order (DOMAIN.md: 潜在客户获取 → … → 谈判签约)."""

    LEAD = "lead"
    FIRST_CONTACT = "first_contact"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


class InteractionKind(StrEnum):
    """Touch points that count towards engagement (客户参与度)."""

    VISIT = "visit"
    CALL = "call"
    EVENT = "event"
    EMAIL = "email"
    MEETING = "meeting"


class SubjectKind(StrEnum):
    """Who an indicator, a target or a scorecard is about."""

    PERSON = "person"
    TEAM = "team"
    CLIENT = "client"


ID_LENGTH = 64


def col(
    kind: Kind,
    en: str,
    zh: str,
    *,
    primary_key: bool = False,
    aliases: tuple[str, ...] = (),
    enum: tuple[str, ...] = (),
    references: str | None = None,
    required: bool = False,
) -> Any:
    """A mapped column whose SQL type follows from its logical kind."""
    sql_type: Any = {
        "id": sa.String(ID_LENGTH),
        "text": sa.String(400),
        "code": sa.String(40),
        "date": sa.Date(),
        "instant": UtcDateTime(),
        "money": Money(),
        "integer": sa.Integer(),
        "decimal": sa.Numeric(18, 4),
        "boolean": sa.Boolean(),
    }[kind]
    info = FieldInfo(
        kind=kind,
        en=en,
        zh=zh,
        aliases=aliases,
        enum=enum,
        references=references,
        required=required or primary_key,
    )
    return mapped_column(
        sql_type,
        primary_key=primary_key,
        nullable=not (required or primary_key),
        info={"field": info},
    )


def _values(enum_type: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum_type)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (migrations and diffs stay readable)."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Staff(Base):
    """People appraised: sales reps, account managers, team leads (员工)."""

    __tablename__ = "staff"
    staff_id: Mapped[str] = col(
        "id", "Staff ID", "员工编号", primary_key=True, aliases=("id", "工号")
    )
    name: Mapped[str] = col("text", "Name", "姓名", required=True)
    team: Mapped[str | None] = col("text", "Team", "团队", aliases=("团队名称", "部门"))
    manager_id: Mapped[str | None] = col(
        "id", "Manager", "上级", references="staff.staff_id", aliases=("manager", "上级编号")
    )
    role: Mapped[str] = col("code", "Role", "岗位", required=True, aliases=("职位",))
    hired_on: Mapped[date | None] = col("date", "Hired on", "入职日期", aliases=("hired",))
    left_on: Mapped[date | None] = col("date", "Left on", "离职日期", aliases=("left",))


class Customer(Base):
    """Clients, with acquisition and churn dates for retention and CAC (客户)."""

    __tablename__ = "customers"
    customer_id: Mapped[str] = col(
        "id", "Customer ID", "客户编号", primary_key=True, aliases=("id",)
    )
    name: Mapped[str] = col("text", "Name", "客户名称", required=True)
    owner_id: Mapped[str | None] = col(
        "id", "Owner", "客户经理", references="staff.staff_id", aliases=("owner",)
    )
    segment: Mapped[str | None] = col("code", "Segment", "客户类型")
    region: Mapped[str | None] = col("text", "Region", "区域")
    acquired_on: Mapped[date] = col("date", "Acquired on", "获客日期", required=True)
    churned_on: Mapped[date | None] = col("date", "Churned on", "流失日期")
    acquisition_cost: Mapped[Decimal | None] = col("money", "Acquisition cost", "获客成本")
    referred_by: Mapped[str | None] = col(
        "id", "Referred by", "推荐人", references="customers.customer_id"
    )


class Order(Base):
    """Sales orders credited to a person; refunds are rows with status 'refund' (订单)."""

    __tablename__ = "orders"
    order_id: Mapped[str] = col("id", "Order ID", "订单编号", primary_key=True, aliases=("id",))
    customer_id: Mapped[str] = col(
        "id", "Customer", "客户编号", required=True, references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col(
        "id", "Credited to", "业绩归属", references="staff.staff_id", aliases=("销售编号",)
    )
    ordered_on: Mapped[date] = col("date", "Ordered on", "下单日期", required=True)
    promised_on: Mapped[date | None] = col("date", "Promised on", "承诺交期")
    delivered_on: Mapped[date | None] = col("date", "Delivered on", "实际交付日期")
    amount: Mapped[Decimal] = col("money", "Amount", "金额", required=True)
    cost: Mapped[Decimal | None] = col("money", "Cost", "成本")
    status: Mapped[str] = col("code", "Status", "状态", required=True, enum=_values(OrderStatus))
    refund_of: Mapped[str | None] = col("id", "Refund of", "原订单", references="orders.order_id")


class Opportunity(Base):
    """A sales opportunity; its path through the funnel is in opportunity_stages (商机)."""

    __tablename__ = "opportunities"
    opportunity_id: Mapped[str] = col(
        "id", "Opportunity ID", "商机编号", primary_key=True, aliases=("id",)
    )
    customer_id: Mapped[str | None] = col(
        "id", "Customer", "客户编号", references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col("id", "Owner", "负责人", references="staff.staff_id")
    created_at: Mapped[datetime] = col("instant", "Created at", "创建时间", required=True)
    stage: Mapped[str] = col(
        "code", "Current stage", "当前阶段", required=True, enum=_values(Stage)
    )
    expected_amount: Mapped[Decimal | None] = col("money", "Expected amount", "预计金额")
    closed_at: Mapped[datetime | None] = col("instant", "Closed at", "关闭时间")


class OpportunityStage(Base):
    """When an opportunity entered each funnel stage (商机阶段记录)."""

    __tablename__ = "opportunity_stages"
    opportunity_id: Mapped[str] = col(
        "id",
        "Opportunity",
        "商机编号",
        primary_key=True,
        references="opportunities.opportunity_id",
    )
    stage: Mapped[str] = col("code", "Stage", "阶段", primary_key=True, enum=_values(Stage))
    entered_at: Mapped[datetime] = col("instant", "Entered at", "进入时间", required=True)


class Survey(Base):
    """Satisfaction (1–5) and NPS (0–10) answers per customer and staff (满意度调查)."""

    __tablename__ = "surveys"
    survey_id: Mapped[str] = col("id", "Survey ID", "问卷编号", primary_key=True, aliases=("id",))
    customer_id: Mapped[str] = col(
        "id", "Customer", "客户编号", required=True, references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col("id", "Staff", "员工编号", references="staff.staff_id")
    answered_on: Mapped[date] = col("date", "Answered on", "填写日期", required=True)
    satisfaction: Mapped[int | None] = col("integer", "Satisfaction (1-5)", "满意度评分")
    nps: Mapped[int | None] = col("integer", "Recommend (0-10)", "推荐意愿")


class Ticket(Base):
    """Service tickets; complaints are flagged (服务工单)."""

    __tablename__ = "tickets"
    ticket_id: Mapped[str] = col("id", "Ticket ID", "工单编号", primary_key=True, aliases=("id",))
    customer_id: Mapped[str] = col(
        "id", "Customer", "客户编号", required=True, references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col("id", "Handler", "处理人", references="staff.staff_id")
    opened_at: Mapped[datetime] = col("instant", "Opened at", "创建时间", required=True)
    resolved_at: Mapped[datetime | None] = col("instant", "Resolved at", "解决时间")
    is_complaint: Mapped[bool] = col("boolean", "Complaint", "是否投诉", required=True)
    category: Mapped[str | None] = col("code", "Category", "类别")


class Interaction(Base):
    """Visits, calls, events with customers (客户互动)."""

    __tablename__ = "interactions"
    interaction_id: Mapped[str] = col(
        "id", "Interaction ID", "互动编号", primary_key=True, aliases=("id",)
    )
    customer_id: Mapped[str] = col(
        "id", "Customer", "客户编号", required=True, references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col("id", "Staff", "员工编号", references="staff.staff_id")
    occurred_at: Mapped[datetime] = col("instant", "Occurred at", "发生时间", required=True)
    kind: Mapped[str] = col("code", "Kind", "类型", required=True, enum=_values(InteractionKind))


class Contract(Base):
    """Service contracts; renewal rate counts those due that were renewed (合同)."""

    __tablename__ = "contracts"
    contract_id: Mapped[str] = col(
        "id", "Contract ID", "合同编号", primary_key=True, aliases=("id",)
    )
    customer_id: Mapped[str] = col(
        "id", "Customer", "客户编号", required=True, references="customers.customer_id"
    )
    staff_id: Mapped[str | None] = col("id", "Owner", "负责人", references="staff.staff_id")
    starts_on: Mapped[date] = col("date", "Starts on", "开始日期", required=True)
    ends_on: Mapped[date] = col("date", "Ends on", "结束日期", required=True)
    renewed_on: Mapped[date | None] = col("date", "Renewed on", "续约日期")
    value: Mapped[Decimal | None] = col("money", "Value", "合同金额")


class Rating(Base):
    """Qualitative ratings by people, e.g. 德能勤绩 or leadership (定性评分)."""

    __tablename__ = "ratings"
    staff_id: Mapped[str] = col(
        "id", "Person rated", "被评人", primary_key=True, references="staff.staff_id"
    )
    period: Mapped[str] = col("code", "Period", "考核周期", primary_key=True)
    criterion: Mapped[str] = col("code", "Criterion", "评价维度", primary_key=True)
    rater_id: Mapped[str] = col(
        "id", "Rater", "评分人", primary_key=True, references="staff.staff_id"
    )
    score: Mapped[Decimal] = col("decimal", "Score", "评分", required=True)


class Target(Base):
    """Target values per subject, indicator and period (目标值)."""

    __tablename__ = "targets"
    subject_kind: Mapped[str] = col(
        "code", "Subject kind", "对象类型", primary_key=True, enum=_values(SubjectKind)
    )
    subject_id: Mapped[str] = col("id", "Subject", "对象编号", primary_key=True)
    indicator: Mapped[str] = col("code", "Indicator", "指标", primary_key=True)
    period: Mapped[str] = col("code", "Period", "考核周期", primary_key=True)
    value: Mapped[Decimal] = col("decimal", "Target value", "目标值", required=True)


ENTITIES: dict[str, sa.Table] = {
    cls.__tablename__: cls.__table__  # type: ignore[misc]
    for cls in (
        Staff,
        Customer,
        Order,
        Opportunity,
        OpportunityStage,
        Survey,
        Ticket,
        Interaction,
        Contract,
        Rating,
        Target,
    )
}
"""Logical entity name → built-in table, in an order where references come first."""


def field_info(column: sa.Column[Any]) -> FieldInfo:
    """The import/rules metadata declared for a built-in column."""
    info = column.info.get("field")
    if not isinstance(info, FieldInfo):
        raise KeyError(f"column {column.table.name}.{column.name} has no field info")
    return info
