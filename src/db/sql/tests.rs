use super::*;

#[test]
fn a_sqlite_connection_binds_and_reads_every_storage_class() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        .unwrap();
    let n: Option<String> = None;
    conn.execute(
        "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)",
        params![7i64, 1.5f64, "é", vec![1u8, 2], n],
    )
    .unwrap();
    let row = conn
        .query_row("SELECT i, r, s, b, n FROM t", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Option<String>>("n")?,
            ))
        })
        .unwrap();
    assert_eq!(row, (7, 1.5, "é".to_string(), vec![1, 2], None));
}

#[test]
fn no_row_is_none_with_optional_and_a_wrong_class_is_an_error() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (s TEXT)").unwrap();
    let none = conn
        .query_row("SELECT s FROM t", [], |r| r.get::<_, String>(0))
        .optional()
        .unwrap();
    assert_eq!(none, None);
    conn.execute("INSERT INTO t VALUES (?1)", ["x"]).unwrap();
    let wrong = conn.query_row("SELECT s FROM t", [], |r| r.get::<_, i64>(0));
    assert!(matches!(wrong, Err(Error::Conversion(m)) if m.contains("column 0")));
}

#[test]
fn query_map_reads_every_row_and_dynamic_parameters_bind_in_order() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        .unwrap();
    let args: Vec<OwnedValue> = vec![1.into(), 3.into()];
    let mut s = conn
        .prepare_cached("SELECT v FROM t WHERE v >= ?1 AND v <= ?2 ORDER BY v")
        .unwrap();
    let got: Vec<i64> = s
        .query_map(params_from_iter(args.iter()), |r| r.get(0))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(got, vec![1, 2, 3]);
    assert!(s.exists([2, 2]).unwrap());
    assert!(!s.exists([4, 9]).unwrap());
}
