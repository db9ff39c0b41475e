package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// The two migration trees are written by hand; these helpers read back what
// each engine actually built so a test can compare them. Differences that are
// a deliberate engine choice are normalized away here, each with its reason:
//   - full-text search: FTS5 virtual tables (and their shadow tables) on
//     SQLite, generated tsvector columns with GIN indexes on PostgreSQL;
//   - case-insensitive names: a COLLATE NOCASE column or index key on SQLite,
//     an index on lower(col) on PostgreSQL — both read as "lower(col)";
//   - unique constraints get engine-made index names (sqlite_autoindex_*,
//     *_key), so they match any unique index with the same columns;
//   - primary keys are compared as a column property, not as an index;
//   - serial/identity defaults (nextval) equal SQLite's INTEGER PRIMARY KEY.

type column struct {
	Type    string // integer, text, blob, real, boolean
	NotNull bool
	Default string // normalized; "" for none
	PK      bool
}

type index struct {
	Table   string
	Name    string // "" when the engine named it for a UNIQUE constraint
	Cols    []string
	Unique  bool
	Partial bool
}

func (i index) key() string {
	return fmt.Sprintf("%s(%s) unique=%v partial=%v", i.Table, strings.Join(i.Cols, ", "), i.Unique, i.Partial)
}

type schema struct {
	Engine  string
	Tables  map[string]map[string]column
	Indexes []index
}

// sqliteTypes and postgresTypes map each engine's declared types to one
// class; an unknown type is kept as written so it shows up as a difference.
var (
	sqliteTypes = map[string]string{"INTEGER": "integer", "BIGINT": "integer", "SMALLINT": "integer", "INT": "integer",
		"TEXT": "text", "BLOB": "blob", "REAL": "real", "DOUBLE PRECISION": "real", "BOOLEAN": "boolean"}
	postgresTypes = map[string]string{"bigint": "integer", "integer": "integer", "smallint": "integer",
		"text": "text", "bytea": "blob", "double precision": "real", "real": "real", "boolean": "boolean"}
)

func mapType(m map[string]string, t string) string {
	if c, ok := m[t]; ok {
		return c
	}
	return "unmapped " + t
}

var castRe = regexp.MustCompile(`::[a-z ]+$`)

// normDefault strips casts, outer parentheses and keyword case, so an empty
// string default with a ::text cast equals one without, and TRUE equals true.
func normDefault(d sql.NullString) string {
	s := strings.TrimSpace(d.String)
	for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	s = castRe.ReplaceAllString(s, "")
	if strings.HasPrefix(s, "nextval(") || strings.EqualFold(s, "null") {
		return ""
	}
	if !strings.HasPrefix(s, "'") {
		s = strings.ToLower(s)
	}
	return s
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sqliteTableNames lists ordinary tables, leaving out FTS5 virtual tables and
// the shadow tables SQLite keeps for them (tickets_fts_data, ...).
func sqliteTableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	virtual, err := queryStrings(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'`)
	if err != nil {
		return nil, err
	}
	all, err := queryStrings(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []string
next:
	for _, n := range all {
		for _, v := range virtual {
			if n == v || strings.HasPrefix(n, v+"_") {
				continue next
			}
		}
		out = append(out, n)
	}
	return out, nil
}

func sqliteSchema(ctx context.Context, db *sql.DB) (*schema, error) {
	s := &schema{Engine: "sqlite", Tables: map[string]map[string]column{}}
	tables, err := sqliteTableNames(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		cols := map[string]column{}
		rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, typ string
			var notNull bool
			var def sql.NullString
			var pk int
			if err := rows.Scan(&name, &typ, &notNull, &def, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			cols[name] = column{Type: mapType(sqliteTypes, strings.ToUpper(typ)), NotNull: notNull || pk > 0, Default: normDefault(def), PK: pk > 0}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		s.Tables[t] = cols
		idx, err := sqliteIndexes(ctx, db, t)
		if err != nil {
			return nil, err
		}
		s.Indexes = append(s.Indexes, idx...)
	}
	return s, nil
}

func sqliteIndexes(ctx context.Context, db *sql.DB, table string) ([]index, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?) WHERE origin <> 'pk'`, table)
	if err != nil {
		return nil, err
	}
	var out []index
	var names []string // as stored, to read the key columns
	for rows.Next() {
		var origin string
		i := index{Table: table}
		if err := rows.Scan(&i.Name, &i.Unique, &origin, &i.Partial); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, i.Name)
		if origin == "u" {
			i.Name = ""
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for n := range out {
		if out[n].Cols, err = sqliteIndexCols(ctx, db, names[n]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sqliteIndexCols lists an index's key columns; a NOCASE key reads as
// lower(col), the PostgreSQL spelling of the same intent.
func sqliteIndexCols(ctx context.Context, db *sql.DB, name string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var col sql.NullString
		var coll string
		if err := rows.Scan(&col, &coll); err != nil {
			return nil, err
		}
		c := col.String
		if !col.Valid {
			c = "(expression)"
		}
		if strings.EqualFold(coll, "NOCASE") {
			c = "lower(" + c + ")"
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func postgresSchema(ctx context.Context, db *sql.DB) (*schema, error) {
	s := &schema{Engine: "postgres", Tables: map[string]map[string]column{}}
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO', c.column_default,
		EXISTS (SELECT 1 FROM pg_index ix JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY(ix.indkey)
			WHERE ix.indisprimary AND ix.indrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
			AND a.attname = c.column_name)
		FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	skip := map[string]bool{} // table.column of full-text columns
	for rows.Next() {
		var table, name, typ string
		var c column
		var def sql.NullString
		if err := rows.Scan(&table, &name, &typ, &c.NotNull, &def, &c.PK); err != nil {
			return nil, err
		}
		if s.Tables[table] == nil {
			s.Tables[table] = map[string]column{}
		}
		if typ == "tsvector" {
			skip[name] = true
			continue
		}
		c.Type, c.Default = mapType(postgresTypes, typ), normDefault(def)
		s.Tables[table][name] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.Indexes, err = postgresIndexes(ctx, db, skip)
	return s, err
}

var opclassRe = regexp.MustCompile(`\s+\w+_ops$`)

// postgresIndexes lists non-primary indexes, leaving out those over
// full-text columns (named in skip).
func postgresIndexes(ctx context.Context, db *sql.DB, skip map[string]bool) ([]index, error) {
	rows, err := db.QueryContext(ctx, `SELECT t.relname, i.relname, ix.indisunique, ix.indpred IS NOT NULL,
			EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.contype = 'u'),
			ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true) FROM generate_series(1, ix.indnkeyatts) k ORDER BY k)
		FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema() AND NOT ix.indisprimary`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index
next:
	for rows.Next() {
		var i index
		var constraint bool
		var cols pgTextArray
		if err := rows.Scan(&i.Table, &i.Name, &i.Unique, &i.Partial, &constraint, &cols); err != nil {
			return nil, err
		}
		if constraint {
			i.Name = ""
		}
		for _, c := range cols {
			c = strings.ReplaceAll(opclassRe.ReplaceAllString(c, ""), `"`, "")
			if skip[c] {
				continue next
			}
			i.Cols = append(i.Cols, c)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// pgTextArray scans a text[] in its literal form ({a,"b c"}); index column
// definitions hold no commas or quotes that need more than this.
type pgTextArray []string

func (a *pgTextArray) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("text[]: unexpected %T", v)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	*a = nil
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			*a = append(*a, strings.Trim(p, `"`))
		}
	}
	return nil
}

// diffSchemas lists every difference between a and b, one line each, naming
// the table and column or index.
func diffSchemas(a, b *schema) []string {
	var d []string
	for _, t := range sortedKeys(a.Tables, b.Tables) {
		ca, inA := a.Tables[t]
		cb, inB := b.Tables[t]
		if !inA || !inB {
			d = append(d, fmt.Sprintf("table %s: only in %s", t, onlyIn(inA, a, b)))
			continue
		}
		for _, c := range sortedKeys(ca, cb) {
			x, inA := ca[c]
			y, inB := cb[c]
			switch {
			case !inA || !inB:
				d = append(d, fmt.Sprintf("column %s.%s: only in %s", t, c, onlyIn(inA, a, b)))
			case x != y:
				d = append(d, fmt.Sprintf("column %s.%s: %s %+v, %s %+v", t, c, a.Engine, x, b.Engine, y))
			}
		}
	}
	return append(d, diffIndexes(a, b)...)
}

func onlyIn(inA bool, a, b *schema) string {
	if inA {
		return a.Engine
	}
	return b.Engine
}

func sortedKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// diffIndexes pairs indexes by name first, then an unnamed constraint index
// with any index of the same table, columns and uniqueness.
func diffIndexes(a, b *schema) []string {
	var d []string
	restA, restB := map[string][]index{}, map[string][]index{}
	byName := map[string]index{}
	for _, i := range b.Indexes {
		if i.Name != "" {
			byName[i.Name] = i
		}
	}
	for _, i := range a.Indexes {
		j, ok := byName[i.Name]
		if i.Name == "" || !ok {
			restA[i.key()] = append(restA[i.key()], i)
			continue
		}
		delete(byName, i.Name)
		if i.key() != j.key() {
			d = append(d, fmt.Sprintf("index %s: %s %s, %s %s", i.Name, a.Engine, i.key(), b.Engine, j.key()))
		}
	}
	for _, i := range b.Indexes {
		if _, left := byName[i.Name]; i.Name == "" || left {
			restB[i.key()] = append(restB[i.key()], i)
		}
	}
	for _, k := range sortedKeys(restA, restB) {
		x, y := restA[k], restB[k]
		for len(x) > 0 && len(y) > 0 && (x[0].Name == "" || y[0].Name == "") {
			x, y = x[1:], y[1:]
		}
		for _, i := range x {
			d = append(d, fmt.Sprintf("index %q on %s: only in %s", i.Name, k, a.Engine))
		}
		for _, i := range y {
			d = append(d, fmt.Sprintf("index %q on %s: only in %s", i.Name, k, b.Engine))
		}
	}
	return d
}
