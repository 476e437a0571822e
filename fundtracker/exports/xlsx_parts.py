"""The fixed XML parts of an .xlsx package: styles, content types, relationships, workbook, chart, drawing."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
CT = "application/vnd.openxmlformats-officedocument"

# Cell style ids (indexes into cellXfs below).
(
    S_DEFAULT,
    S_HEADER,
    S_MONEY,
    S_DATE,
    S_AMOUNT0,
    S_AMOUNT3,
    S_RATE,
    S_INT,
    S_TOTAL_MONEY,
    S_TOTAL_INT,
    S_BOLD,
) = range(11)
# Decimal places of an original-currency amount -> its style (ISO 4217 exponents are 0, 2, 3 and 4).
AMOUNT_STYLES = {0: S_AMOUNT0, 2: S_MONEY, 3: S_AMOUNT3}

STYLES = (
    HEAD
    + f"""<styleSheet xmlns="{MAIN}">
<numFmts count="5"><numFmt numFmtId="164" formatCode="#,##0.00"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="166" formatCode="#,##0"/><numFmt numFmtId="167" formatCode="#,##0.000"/>\
<numFmt numFmtId="168" formatCode="0.00######"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="11">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="168" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>\
<xf numFmtId="1" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
)

ROOT_RELS = (
    HEAD
    + f"""<Relationships xmlns="{PKG_REL}">\
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/></Relationships>"""
)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference prefix: 'Name'!"""
    return "'" + name.replace("'", "''") + "'!"


def core_properties(creator: str, created_iso: str, title: str) -> str:
    return HEAD + (
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created_iso}</dcterms:created>'
        "</cp:coreProperties>"
    )


def content_types(sheet_count: int, chart_count: int) -> str:
    parts = [
        HEAD,
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.spreadsheetml.sheet.main+xml"/>',
        f'<Override PartName="/xl/styles.xml" ContentType="{CT}.spreadsheetml.styles+xml"/>',
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>',
    ]
    parts += [
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{CT}.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheet_count + 1)
    ]
    for n in range(1, chart_count + 1):
        parts.append(f'<Override PartName="/xl/charts/chart{n}.xml" ContentType="{CT}.drawingml.chart+xml"/>')
        parts.append(f'<Override PartName="/xl/drawings/drawing{n}.xml" ContentType="{CT}.drawing+xml"/>')
    parts.append("</Types>")
    return "".join(parts)


def workbook(sheets: list[tuple[str, int, str | None]], active: int) -> str:
    """sheets: (name, part number, autofilter range or None) in tab order."""
    names = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for name, n, _ in sheets)
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(quote_sheet(name))}{ref}</definedName>"
        for i, (name, _, ref) in enumerate(sheets)
        if ref
    )
    return HEAD + (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<bookViews><workbookView activeTab="{active}"/></bookViews>'
        f"<sheets>{names}</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        +
        # Every engine recalculates on opening: the cached totals are a courtesy for viewers that cannot.
        '<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>'
    )


def workbook_rels(part_numbers: list[int]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in part_numbers
    )
    styles = f'<Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/>'
    return HEAD + f'<Relationships xmlns="{PKG_REL}">{rels}{styles}</Relationships>'


def sheet_rels_drawing(drawing_number: int) -> str:
    return HEAD + (
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/drawing" '
        f'Target="../drawings/drawing{drawing_number}.xml"/></Relationships>'
    )


def drawing_rels_chart(chart_number: int) -> str:
    return HEAD + (
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/chart" '
        f'Target="../charts/chart{chart_number}.xml"/></Relationships>'
    )


def drawing(from_col: int, from_row: int, to_col: int, to_row: int) -> str:
    """A two-cell anchor (zero-based columns and rows) holding one chart frame."""

    def point(tag: str, col: int, row: int) -> str:
        return (
            f"<xdr:{tag}><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row>"
            f"<xdr:rowOff>0</xdr:rowOff></xdr:{tag}>"
        )

    return HEAD + (
        f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{DRAWING_NS}"><xdr:twoCellAnchor>'
        + point("from", from_col, from_row)
        + point("to", to_col, to_row)
        + '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
        "<xdr:cNvGraphicFramePr/>"
        '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
        f'<a:graphicData uri="{CHART_NS}"><c:chart xmlns:c="{CHART_NS}" xmlns:r="{REL}" r:id="rId1"/>'
        "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"
    )


PALETTE = (
    "4472C4",
    "ED7D31",
    "A5A5A5",
    "FFC000",
    "5B9BD5",
    "70AD47",
    "264478",
    "9E480E",
    "636363",
    "997300",
    "255E91",
    "43682B",
)


def bar_chart(title: str, categories_ref: str, series: list[tuple[str, str]], *, stacked: bool) -> str:
    """A column chart; each series is (name cell reference, values reference), sharing the categories."""
    grouping = "stacked" if stacked else "clustered"
    legend = '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
    sers = "".join(
        f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
        f"<c:tx><c:strRef><c:f>{escape(name_ref)}</c:f></c:strRef></c:tx>"
        # An explicit fill: without one LibreOffice draws the bars invisible.
        f'<c:spPr><a:solidFill><a:srgbClr val="{PALETTE[i % len(PALETTE)]}"/></a:solidFill></c:spPr>'
        f'<c:invertIfNegative val="0"/>'
        f"<c:cat><c:strRef><c:f>{escape(categories_ref)}</c:f></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>{escape(values_ref)}</c:f></c:numRef></c:val></c:ser>"
        for i, (name_ref, values_ref) in enumerate(series)
    )
    overlap = '<c:overlap val="100"/>' if stacked else ""
    return HEAD + (
        f'<c:chartSpace xmlns:c="{CHART_NS}" xmlns:a="{DRAWING_NS}" xmlns:r="{REL}"><c:chart>'
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{escape(title)}</a:t></a:r></a:p></c:rich></c:tx>"
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        f'<c:barChart><c:barDir val="col"/><c:grouping val="{grouping}"/><c:varyColors val="0"/>{sers}'
        f'<c:gapWidth val="150"/>{overlap}<c:axId val="500010"/><c:axId val="500020"/></c:barChart>'
        '<c:catAx><c:axId val="500010"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="500020"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
        '<c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="500020"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/>'
        '<c:axPos val="l"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill>'
        '<a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>'
        '<c:numFmt formatCode="#,##0" sourceLinked="0"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="500010"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx></c:plotArea>'
        + (legend if len(series) > 1 else "")
        + '<c:plotVisOnly val="1"/>'
        "</c:chart></c:chartSpace>"
    )
