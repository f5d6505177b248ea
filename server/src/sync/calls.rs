//! The write calls of a round: records in chunks of [`MAX_WRITE_RECORDS`],
//! up to a number of calls under way at once, each answer handed back as it
//! comes (with the chunk's number and records) for the round to record.

use std::future::Future;

use futures::stream::{FuturesUnordered, Stream, StreamExt};

use crate::fno::MAX_WRITE_RECORDS;

/// Sends `call` for each chunk of `records`, at most `limit` at once, and
/// yields `(chunk number, chunk, answer)` in the order the answers come.
pub fn in_chunks<'a, R, A, F, Fut>(
    records: &'a [R],
    limit: usize,
    call: F,
) -> impl Stream<Item = (usize, &'a [R], A)> + 'a
where
    F: Fn(&'a [R]) -> Fut + 'a,
    Fut: Future<Output = A> + 'a,
    A: 'a,
    R: 'a,
{
    let mut chunks = records.chunks(MAX_WRITE_RECORDS).enumerate();
    let limit = limit.max(1);
    let mut running = FuturesUnordered::new();
    futures::stream::poll_fn(move |cx| {
        while running.len() < limit {
            let Some((number, chunk)) = chunks.next() else {
                break;
            };
            let answer = call(chunk);
            running.push(async move { (number, chunk, answer.await) });
        }
        // Empty once every chunk was sent and answered.
        running.poll_next_unpin(cx)
    })
}
