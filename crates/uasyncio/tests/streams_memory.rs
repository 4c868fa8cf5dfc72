//! In-memory streams on the virtual clock: servers, clients and their
//! timing, deterministic to the microsecond; the failure cases and the
//! deadlock report as with sockets.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use uasyncio::stream::memory::{MemoryNetwork, PipeReader, PipeWriter, duplex};
use uasyncio::{StreamReader, StreamWriter, create_task, run_virtual, sleep, sleep_ms, wait_for};

type Reader = StreamReader<PipeReader>;
type Writer = StreamWriter<PipeWriter>;

fn now_ms() -> u64 {
    uasyncio::time::ticks_ms() as u64
}

#[test]
fn a_server_with_a_slow_client_and_a_fast_one_on_virtual_time() {
    // The slow client sends one byte every 100 ms; the fast one's
    // request is answered at once, not after the slow one's line.
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    run_virtual(async move {
        let net = MemoryNetwork::new();
        let hl = l.clone();
        let server = net
            .start_server(
                move |mut reader: Reader, mut writer: Writer| {
                    let l = hl.clone();
                    async move {
                        let line = reader.readline().await.unwrap();
                        l.borrow_mut().push(format!(
                            "{} ms: server got {:?}",
                            now_ms(),
                            String::from_utf8_lossy(&line)
                        ));
                        writer.write(&line);
                        writer.drain().await.unwrap();
                    }
                },
                80,
            )
            .await
            .unwrap();
        let slow_net = net.clone();
        let sl = l.clone();
        let slow = create_task(async move {
            let (mut reader, mut writer) = slow_net.open_connection(80).await.unwrap();
            for b in b"slow\n" {
                writer.write(&[*b]);
                writer.drain().await.unwrap();
                sleep_ms(100).await;
            }
            let echo = reader.readline().await.unwrap();
            sl.borrow_mut().push(format!("{} ms: slow client got {:?}", now_ms(), String::from_utf8_lossy(&echo)));
        });
        sleep_ms(50).await;
        let (mut reader, mut writer) = net.open_connection(80).await.unwrap();
        writer.write(b"fast\n");
        writer.drain().await.unwrap();
        let echo = reader.readline().await.unwrap();
        l.borrow_mut().push(format!("{} ms: fast client got {:?}", now_ms(), String::from_utf8_lossy(&echo)));
        slow.await.unwrap();
        server.close();
        server.wait_closed().await;
    });
    assert_eq!(
        *log.borrow(),
        [
            "50 ms: server got \"fast\\n\"",
            "50 ms: fast client got \"fast\\n\"",
            "400 ms: server got \"slow\\n\"",
            "500 ms: slow client got \"slow\\n\"",
        ]
    );
}

#[test]
fn readline_readexactly_and_eof_on_a_pipe() {
    let out = run_virtual(async {
        let ((mut reader, _), (_, mut writer)) = duplex();
        create_task(async move {
            writer.write(b"line one\nab");
            writer.drain().await.unwrap();
            sleep(1).await;
            writer.write(b"cd");
            writer.close();
            writer.wait_closed().await.unwrap();
        });
        let mut out = Vec::new();
        out.push(format!("{:?}", reader.readline().await.unwrap()));
        out.push(format!("{:?} at {} ms", reader.readexactly(4).await.unwrap(), now_ms()));
        out.push(format!("{:?}", reader.readexactly(1).await.unwrap_err().kind()));
        out.push(format!("{:?}", reader.readline().await.unwrap()));
        out
    });
    assert_eq!(
        out,
        ["[108, 105, 110, 101, 32, 111, 110, 101, 10]", "[97, 98, 99, 100] at 1000 ms", "UnexpectedEof", "[]"]
    );
}

#[test]
fn a_wait_for_around_a_read_cancels_it_and_the_pipe_stays_usable() {
    let out = run_virtual(async {
        let ((mut reader, _), (_, mut writer)) = duplex();
        let timed_out = wait_for(reader.read(10), 0.5).await.is_err();
        writer.write(b"late");
        writer.drain().await.unwrap();
        (timed_out, reader.read(10).await.unwrap(), now_ms())
    });
    assert_eq!(out, (true, b"late".to_vec(), 500));
}

#[test]
fn a_reset_reaches_the_peer_as_connection_reset() {
    let kinds = run_virtual(async {
        let ((mut a_in, mut a_out), (mut b_in, mut b_out)) = duplex();
        let reader = create_task(async move { b_in.read(10).await.map_err(|e| e.kind()) });
        sleep_ms(20).await;
        a_out.get_mut().reset();
        b_out.write(b"x");
        (reader.await.unwrap(), b_out.drain().await.map_err(|e| e.kind()), a_in.read(1).await.map_err(|e| e.kind()))
    });
    assert_eq!(
        kinds,
        (Err(ErrorKind::ConnectionReset), Err(ErrorKind::ConnectionReset), Err(ErrorKind::ConnectionReset))
    );
}

#[test]
fn a_task_waiting_on_a_pipe_nobody_writes_is_a_deadlock() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        run_virtual(async {
            let ((mut reader, _writer), _other_end) = duplex();
            reader.read(1).await.unwrap()
        })
    }));
    let payload = result.unwrap_err();
    let message = payload.downcast_ref::<&str>().map(|m| m.to_string()).unwrap_or_default();
    assert!(message.starts_with("uasyncio deadlock"), "{message}");
}

#[test]
fn a_closed_network_server_refuses_and_frees_its_port() {
    let out = run_virtual(async {
        let net = MemoryNetwork::new();
        let server = net.start_server(|_: Reader, _: Writer| async {}, 7).await.unwrap();
        server.close();
        server.wait_closed().await;
        let refused = net.open_connection(7).await.unwrap_err().kind();
        let again = net.start_server(|_: Reader, _: Writer| async {}, 7).await.is_ok();
        (refused, again)
    });
    assert_eq!(out, (ErrorKind::ConnectionRefused, true));
}

#[test]
fn a_full_pipe_makes_drain_wait_until_the_reader_reads() {
    let out = run_virtual(async {
        let ((mut reader, _), (_, mut writer)) = duplex();
        let big = vec![7u8; uasyncio::stream::memory::PIPE_CAPACITY + 10];
        let n = big.len();
        let drained = create_task(async move {
            writer.write(&big);
            writer.drain().await.unwrap();
            now_ms()
        });
        sleep(3).await;
        let data = reader.readexactly(n).await.unwrap();
        (data.len(), drained.await.unwrap())
    });
    assert_eq!(out, (uasyncio::stream::memory::PIPE_CAPACITY + 10, 3000));
}
