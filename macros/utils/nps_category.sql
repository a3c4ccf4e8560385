{#
    Net Promoter category of a 0-10 score: promoter (9-10), passive (7-8), detractor (0-6); null
    when there is no score. The one home of the NPS thresholds: fct_survey_responses, the monthly
    service aggregates and the semantic layer's promoter/detractor measures all use it.
#}
{% macro nps_category(score) -%}
    case
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        when {{ score }} >= 0 then 'detractor'
    end
{%- endmacro %}
