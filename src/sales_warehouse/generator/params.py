"""Parameters of the demo world: the structure the warehouse should find, planted on purpose.

The patterns the tests and the models must recover (trend, groups, elasticity, funnel, SLA, rep
skill effects) and the sizes live here; smaller details of shape (cancellation and return rates,
shipping times, name lists) stay next to the code that draws them. Any change to the generated data
needs new checksums in tests/test_generator_checksum.py.
"""

from __future__ import annotations

import numpy as np

GENERATOR_VERSION = 1
CUSTOMER_CHUNK = 20_000
LEAD_CHUNK = 50_000

REGIONS: tuple[str, ...] = ("east", "south", "north", "central", "southwest", "northeast", "northwest")
REGION_WEIGHTS = np.array([0.28, 0.20, 0.17, 0.12, 0.10, 0.07, 0.06])
# Small regions without a team of their own are covered by a neighbour's team.
REGION_MERGE = {"northeast": "north", "northwest": "southwest"}
CITIES: dict[str, tuple[str, ...]] = {
    "east": ("Shanghai", "Hangzhou", "Nanjing", "Suzhou", "Ningbo"),
    "south": ("Guangzhou", "Shenzhen", "Xiamen", "Fuzhou"),
    "north": ("Beijing", "Tianjin", "Shijiazhuang", "Jinan"),
    "central": ("Wuhan", "Changsha", "Zhengzhou"),
    "southwest": ("Chengdu", "Chongqing", "Kunming"),
    "northeast": ("Shenyang", "Harbin", "Dalian"),
    "northwest": ("Xi'an", "Lanzhou", "Urumqi"),
}

CATEGORIES: tuple[str, ...] = (
    "Electronics",
    "Home & Kitchen",
    "Apparel",
    "Beauty",
    "Sports & Outdoors",
    "Office Supplies",
    "Audio Players",
)
SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "Electronics": ("Phones", "Laptops", "Accessories"),
    "Home & Kitchen": ("Cookware", "Appliances", "Furniture"),
    "Apparel": ("Womenswear", "Menswear", "Shoes"),
    "Beauty": ("Skincare", "Makeup", "Fragrance"),
    "Sports & Outdoors": ("Fitness", "Camping", "Cycling"),
    "Office Supplies": ("Paper", "Printers", "Stationery"),
    "Audio Players": ("MP3 Players", "CD Players", "Radios"),
}
CATEGORY_PRICE = np.array([1800.0, 350.0, 220.0, 180.0, 400.0, 120.0, 300.0])
# Planted own-price elasticity of units per line, per category.
CATEGORY_ELASTICITY = np.array([-1.2, -1.5, -2.0, -1.8, -1.4, -0.8, -1.6])
DECLINING_CATEGORY = "Audio Players"
DECLINE_RATE = 0.60  # continuous decline of the category's share per year
BRANDS: tuple[str, ...] = (
    "Aurora",
    "Bamboo",
    "Cedar",
    "Dragon",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Jade",
)

# Latent customer groups: the clustering models should recover them.
GROUPS: tuple[str, ...] = (
    "high_value_loyal",
    "price_sensitive_occasional",
    "mainstream_regular",
    "business_bulk",
)
GROUP_SHARE = np.array([0.15, 0.35, 0.35, 0.15])
GROUP_ORDER_RATE = np.array([3.0, 0.6, 1.2, 1.5])  # relative orders per active year
GROUP_LINES = np.array([3.0, 1.6, 2.3, 3.5])  # mean lines per order
GROUP_EXTRA_UNITS = np.array([0.6, 0.3, 0.5, 6.0])  # mean extra units per line at list price
GROUP_PROMO_AFFINITY = np.array([0.2, 0.9, 0.35, 0.1])
GROUP_CHURN_YEARS = np.array([8.0, 1.2, 3.0, 6.0])
GROUP_AGE = np.array([46.0, 26.0, 33.0, 45.0])
GROUP_FEMALE = np.array([0.5, 0.65, 0.5, 0.4])
GROUP_CATEGORY_PREFERENCE = np.array(
    [
        [4.0, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0],
        [0.4, 1.0, 3.0, 3.0, 1.0, 0.2, 1.0],
        [0.8, 3.0, 1.0, 1.0, 2.5, 0.5, 1.0],
        [2.0, 0.5, 0.2, 0.2, 0.5, 5.0, 1.0],
    ]
)
GROUP_CHANNEL = np.array(
    [  # web, app, store, phone
        [0.25, 0.65, 0.08, 0.02],
        [0.30, 0.60, 0.08, 0.02],
        [0.25, 0.15, 0.55, 0.05],
        [0.45, 0.05, 0.10, 0.40],
    ]
)
ORDER_CHANNELS: tuple[str, ...] = ("web", "app", "store", "phone")
ACQUISITION_CHANNELS: tuple[str, ...] = ("organic_search", "social", "referral", "paid_ads", "sales_team")
GROUP_ACQUISITION = np.array(
    [
        [0.30, 0.10, 0.35, 0.20, 0.05],
        [0.15, 0.50, 0.05, 0.28, 0.02],
        [0.35, 0.20, 0.15, 0.25, 0.05],
        [0.10, 0.02, 0.18, 0.10, 0.60],
    ]
)
INTERESTS: tuple[str, ...] = (
    "technology",
    "home_living",
    "fashion",
    "beauty",
    "sports",
    "travel",
    "deals",
    "office",
    "music",
    "parenting",
)
GROUP_INTERESTS = np.array(
    [
        [3, 2, 1, 1, 2, 3, 0.3, 1, 2, 1],
        [0.5, 1, 3, 3, 1, 1, 4, 0.2, 1, 1],
        [1, 2, 1.5, 1.5, 1.5, 1, 1, 0.5, 1, 2],
        [2, 0.5, 0.2, 0.2, 0.5, 1, 1, 4, 0.3, 0.3],
    ]
)
INDUSTRIES: tuple[str, ...] = (
    "manufacturing",
    "retail",
    "technology",
    "education",
    "healthcare",
    "logistics",
)
# Hour-of-day order profile (consumers shop in the evening, businesses in office hours).
CONSUMER_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2.5, 2.5, 2.2, 2, 2, 2, 2, 2.2, 2.5, 3, 3.5, 3.8, 3, 1.8]
)
BUSINESS_HOURS = np.array(
    [
        0.1,
        0.05,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        0.8,
        2.5,
        4,
        4,
        3.5,
        2,
        3,
        3.8,
        3.5,
        3,
        2,
        0.8,
        0.4,
        0.3,
        0.2,
        0.1,
        0.1,
    ]
)

# Funnel: probability of passing each open stage and median days spent in it at skill 1.
FUNNEL_STAGES: tuple[str, ...] = ("prospecting", "qualification", "needs_analysis", "proposal", "negotiation")
STAGE_PASS = np.array([0.85, 0.80, 0.75, 0.50, 0.80])
STAGE_MEDIAN_DAYS = np.array([4.0, 6.0, 8.0, 21.0, 7.0])
BOTTLENECK_STAGE = "proposal"
LEAD_SOURCES: tuple[str, ...] = ("website", "social", "referral", "event", "cold_call", "partner")
LEAD_SOURCE_SHARE = np.array([0.30, 0.20, 0.12, 0.15, 0.15, 0.08])
LEAD_SOURCE_CONVERSION = np.array([0.30, 0.20, 0.60, 0.38, 0.13, 0.50])
NEVER_CONTACTED_RATE = 0.08
# Once a lead is an opportunity, warm sources still win more often (pass p ** (1 / strength)),
# and big deals less often: strength = skill x source factor x (amount / 60k) ** elasticity.
LEAD_SOURCE_WIN_FACTOR = np.array([0.85, 0.7, 1.8, 1.0, 0.5, 1.4])
DEAL_SIZE_WIN_ELASTICITY = -0.5

# Service: SLA for first response per priority; slow responses lower repurchase.
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_SHARE = np.array([0.30, 0.45, 0.20, 0.05])
SLA_HOURS = np.array([48.0, 24.0, 8.0, 4.0])
KEEP_ORDER_AFTER_BREACH = 0.4  # share of a customer's orders kept after a breached ticket
ORDER_LOSS_ALLOWANCE = 1.12  # orders lost to slow service, so the kept total is about the target
# Surveys: mean NPS score of each latent customer group, lowered after a breached ticket.
GROUP_NPS_MEAN = np.array([9.0, 6.5, 7.8, 8.2])
NPS_DROP_AFTER_BREACH = 3.5

SCALE_1 = {"customers": 5000, "orders": 60_000, "leads": 20_000, "tickets": 8000, "surveys": 3000, "reps": 40}
