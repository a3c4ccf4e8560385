"""Next-best products per customer from item-to-item association rules (sales_warehouse.recommendations).

Discontinued products are never recommended; guest orders (no customer) are ignored. The number
per customer comes from the YAML config (var('recommendations_per_customer')).
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.recommendations import (
    RECOMMENDATION_COLUMNS,
    RecommendationConfig,
    product_recommendations,
)


def model(dbt, session):
    dbt.config(materialized="table")
    # Only the two ids reach pandas (the dates and order counts would cost ~20 bytes a row).
    purchases = dbt.ref("int_customers_products_purchased").project("customer_id, product_id").df()
    products = dbt.ref("dim_products").df()

    config = RecommendationConfig(per_customer=int(dbt.config.get("recommendations_per_customer")))
    discontinued = products.loc[products["lifecycle_status"] == "discontinued", "product_id"].to_numpy()
    recommendations = product_recommendations(purchases, config, excluded_products=discontinued)

    # pandas hands back doubles: cast to the documented types.
    return session.from_df(recommendations).project(typed_projection(RECOMMENDATION_COLUMNS))
