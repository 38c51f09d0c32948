"""The working-day calendar (SPEC §12): built-in statutory holidays plus office overrides."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from issues.exceptions import NotFound
from issues.models import CalendarDay, DayKind
from issues.services import workdays


class CalendarDaySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DayKind.choices)
    note = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "note"]
        extra_kwargs = {"date": {"validators": []}}  # setting a day again changes it

    def validate_date(self, value):
        if not 2000 <= value.year <= 2099:
            raise serializers.ValidationError("日期须在 2000 年至 2099 年之间。")
        return value


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2099, required=False)


class CalendarYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    builtin = serializers.BooleanField(help_text="the built-in source covers this year")
    holidays = serializers.ListField(child=serializers.DateField())
    workdays = serializers.ListField(child=serializers.DateField())
    overrides = CalendarDaySerializer(many=True)


class CalendarView(APIView):
    """GET: the year's days off and working weekends. POST: an office override of one day."""

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="2000–2099")],
        responses=CalendarYearSerializer,
    )
    def get(self, request):
        query = YearSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        body = workdays.year_calendar(year)
        body["overrides"] = CalendarDay.objects.filter(date__year=year)
        return Response(CalendarYearSerializer(body).data)

    @extend_schema(request=CalendarDaySerializer, responses={201: CalendarDaySerializer})
    def post(self, request):
        serializer = CalendarDaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = workdays.calendar_day_set(actor=request.user, **serializer.validated_data)
        return Response(CalendarDaySerializer(day).data, status=status.HTTP_201_CREATED)


class CalendarDayView(APIView):
    """DELETE an override, named by its id or by its date (YYYY-MM-DD)."""

    @extend_schema(responses={204: None})
    def delete(self, request, key: str):
        if key.isdigit() and len(key) <= 12:
            workdays.calendar_day_delete(actor=request.user, pk=int(key))
        else:
            try:
                day = dt.date.fromisoformat(key)
            except ValueError:
                raise NotFound("该日期没有调整记录。") from None
            workdays.calendar_day_delete(actor=request.user, date=day)
        return Response(status=status.HTTP_204_NO_CONTENT)
